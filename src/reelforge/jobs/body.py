"""The request envelope every route's body shares.

Every body may come flat or wrapped as ``{"input": {...}, "webhookUrl": "..."}``; the
``before`` validator unwraps it so each route's model only describes its own fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reelforge.core.unstorable import unstorable_path


def aliases(*names: str) -> AliasChoices:
    """The names a field is accepted under (snake_case, camelCase, the SDK's spellings)."""
    return AliasChoices(*names)


class RequestBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    webhook_url: str | None = Field(None, alias="webhookUrl", description="Receives the final status.")

    @model_validator(mode="before")
    @classmethod
    def _unwrap_input(cls, data: Any) -> Any:
        unstorable = unstorable_path(data)
        if unstorable is not None:
            raise PydanticCustomError(
                "unstorable_value",
                "NUL characters, unpaired surrogates and NaN/Infinity are not accepted",
                {"field": unstorable},
            )
        if isinstance(data, dict) and isinstance(data.get("input"), dict):
            merged = dict(data["input"])
            for key in ("webhookUrl", "webhook_url"):
                if key in data and key not in merged:
                    merged[key] = data[key]
            return merged
        return data

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("webhookUrl must be an http(s) URL")
        return value or None

    def fingerprint_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=False)
