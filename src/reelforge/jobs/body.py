"""The request envelope every route's body shares.

Every body may come flat or wrapped as ``{"input": {...}, "webhookUrl": "..."}``; the
``before`` validator unwraps it so each route's model only describes its own fields.
"""

from __future__ import annotations

from typing import Any, Literal

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
# Replicate's webhook_events_filter values (pipeline/engine.py WEBHOOK_FILTERS maps them to our events).
WebhookEvent = Literal["start", "output", "logs", "completed"]
METADATA_MAX_KEYS = 50
# The envelope's own fields: how to deliver and whether to run at all, never part of a job's input.
ENVELOPE_FIELDS = frozenset({"webhook_url", "webhook_events_filter", "quote_only"})
# Envelope fields that may sit beside a wrapped ``input`` (``{"input": {...}, "webhookUrl": ...}``).
_ENVELOPE = ("webhookUrl", "webhook_url", "webhook_events_filter", "webhookEventsFilter", "metadata",
             "quote_only", "quoteOnly", "dry_run", "dryRun")


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
    webhook_events_filter: list[WebhookEvent] | None = Field(
        None,
        validation_alias=aliases("webhook_events_filter", "webhookEventsFilter"),
        description='Which events the webhook receives (Replicate\'s names): "start" (the first stage starts), '
        '"output" (a stage finished with a preview), "logs" (queue positions and progress), "completed" '
        "(the final status). Default: the final status only.",
    )
    # An empty object by default, as the video bodies' own ``metadata`` (the same field: those
    # kinds read it too): a body inheriting both gets the same default whichever wins.
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Your own JSON object, stored with the request and echoed in every webhook delivery.",
    )
    quote_only: bool = Field(
        False,
        validation_alias=aliases("quote_only", "quoteOnly", "dry_run", "dryRun"),
        description="Answer the credits this request would cost and their breakdown; nothing is charged, "
        "stored or started.",
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
            for key in _ENVELOPE:
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

    @field_validator("metadata", mode="before")
    @classmethod
    def _null_metadata(cls, value: Any) -> Any:
        return {} if value is None else value  # SDKs send ``metadata: null`` for "none"

    @field_validator("metadata")
    @classmethod
    def _small_metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > METADATA_MAX_KEYS:
            raise PydanticCustomError("metadata", f"at most {METADATA_MAX_KEYS} keys", {"field": "metadata"})
        return value

    def fingerprint_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=False)
