"""The request envelope every route's body shares.

Every body may come flat or wrapped as ``{"input": {...}, "webhookUrl": "..."}``; the
``before`` validator unwraps it so each route's model only describes its own fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reelforge.core.errors import BadRequest
from reelforge.core.unstorable import unstorable_path
from reelforge.runtime import runtime
from reelforge.storage.fetch import MAX_URL_CHARS, check_literal, parse_url


def aliases(*names: str) -> AliasChoices:
    """The names a field is accepted under (snake_case, camelCase, the SDK's spellings)."""
    return AliasChoices(*names)

WEBHOOK_FIELD = "webhookUrl"


def webhook_url_error(url: str) -> str | None:
    """What is wrong with a webhook URL judged without DNS (scheme, length, host, an internal IP
    literal or localhost), or None. Cheap: it runs on the event loop while the body is validated;
    host names are resolved and judged by ``storage.fetch.check_target`` before the charge
    (pipeline/submit.py) and again at every delivery (pipeline/engine.py)."""
    try:
        allowlist = runtime().fetch_policy.allowlist
    except RuntimeError:  # no server runtime (a model used on its own): nothing is allowlisted
        allowlist = ()
    try:
        check_literal(parse_url(url, WEBHOOK_FIELD), allowlist, WEBHOOK_FIELD)
    except BadRequest as exc:
        return exc.message.removeprefix(WEBHOOK_FIELD).lstrip(": ")
    return None


class RequestBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    webhook_url: str | None = Field(
        None,
        alias="webhookUrl",
        max_length=MAX_URL_CHARS,
        description="Receives the final status: a public http(s) URL (internal addresses are refused).",
    )

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
    def _webhook_target(cls, value: str | None) -> str | None:
        problem = webhook_url_error(value) if value else None
        if problem:
            raise PydanticCustomError("webhook_url", problem, {"field": WEBHOOK_FIELD})
        return value or None

    def fingerprint_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=False)
