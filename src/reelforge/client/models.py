"""Typed response models. Every field is optional and unknown fields are kept.

The same client talks to reelforge and to the hosted Samsar API, whose answers may carry
more (or fewer) fields than these models name: validation never fails a call. Besides
attribute access (``status.result_url``), each model reads like the wire JSON
(``status["result_url"]``, ``status.get("creditsCharged")``, ``status.to_dict()``).
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)

    _wire: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_wire(cls, payload: Any) -> Self:
        """Validate a decoded JSON body; falls back to an unvalidated model rather than failing."""
        data = payload if isinstance(payload, dict) else {"value": payload}
        try:
            model = cls.model_validate(data)
        except ValidationError as exc:
            # A field of an unexpected type is left to the wire dict instead of failing the call.
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            model = cls.model_validate({k: v for k, v in data.items() if k not in bad})
        model._wire = dict(data)
        return model

    def to_dict(self) -> dict[str, Any]:
        """The JSON object exactly as the server sent it."""
        return dict(self._wire) if self._wire else self.model_dump(by_alias=True, exclude_none=True)

    def __getitem__(self, key: str) -> Any:
        wire = self.to_dict()
        if key in wire:
            return wire[key]
        if key in type(self).model_fields:
            return getattr(self, key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self.to_dict() or key in type(self).model_fields)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class Accepted(ApiModel):
    """A job was accepted and charged: poll ``request_id`` with ``get_status`` / ``wait``."""

    status: str | None = None
    request_id: str | None = None
    session_id: str | None = None
    global_status_id: str | None = None
    case_type: str | None = None
    credits_charged: int | None = Field(None, alias="creditsCharged")
    remaining_credits: int | None = Field(None, alias="remainingCredits")


class SessionResult(ApiModel):
    """What every answer about a rendered video session says of its result."""

    session_id: str | None = None
    result_url: str | None = None
    has_subtitles: bool | None = None
    result_language: str | None = None


class RequestStatus(SessionResult):
    """``GET /v1/status``: PENDING with per-stage progress, or a final state with its result."""

    status: str = "PENDING"
    request_id: str | None = None
    type: str | None = None
    provider: str | None = None
    case_type: str | None = None
    result_urls: list[str] | None = None
    express_generation_status: dict[str, str] | None = Field(None, alias="expressGenerationStatus")
    express_generation_error: str | None = Field(None, alias="expressGenerationError")
    message: str | None = None
    duration: float | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status.upper() in TERMINAL_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status.upper() == "COMPLETED"

    @property
    def stages(self) -> dict[str, str]:
        """Stage name → PENDING / IN_PROGRESS / COMPLETED / FAILED (empty once final)."""
        return dict(self.express_generation_status or {})

    @property
    def url(self) -> str | None:
        """The result's URL under any of the names servers use for it."""
        for key in ("result_url", "remoteURL", "videoLink"):
            value = self.get(key)
            if isinstance(value, str) and value:
                return value
        return self.result_urls[0] if self.result_urls else None


class Credits(ApiModel):
    credits: int | None = None
    remaining_credits: int | None = Field(None, alias="remainingCredits")
    account_id: str | None = None


class LedgerEntry(ApiModel):
    id: int | None = None
    kind: str | None = None
    amount: int | None = None
    balance_after: int | None = None
    request_id: str | None = None
    note: str | None = None
    created_at: str | None = None


class CreditsLedger(ApiModel):
    entries: list[LedgerEntry] = Field(default_factory=list)


class ModelOption(ApiModel):
    label: str | None = None
    value: str | None = None
    base_price: float | None = Field(None, alias="basePrice")


class SupportedModels(ApiModel):
    image_models: list[ModelOption] = Field(default_factory=list, alias="IMAGE_MODELS")
    video_models: list[ModelOption] = Field(default_factory=list, alias="VIDEO_MODELS")


class SupportedFonts(ApiModel):
    fonts_by_language: dict[str, list[str]] = Field(default_factory=dict, alias="fontsByLanguage")


class LatestVersion(SessionResult):
    status: str | None = None
    message: str | None = None


class CancelResult(ApiModel):
    request_id: str | None = None
    session_id: str | None = None
    status: str | None = None
    cancelled: bool | None = None
    message: str | None = None


class RequestList(ApiModel):
    sessions: list[RequestStatus] = Field(default_factory=list)


class CompletedSession(SessionResult):
    request_id: str | None = None
    duration: float | None = None


class SessionList(ApiModel):
    """Completed video sessions; accepts the bare array samsar-js expects or ``{"sessions": [...]}``."""

    sessions: list[CompletedSession] = Field(default_factory=list)

    @classmethod
    def from_wire(cls, payload: Any) -> Self:
        items = payload if isinstance(payload, list) else (payload or {}).get("sessions", [])
        model = cls.model_validate({"sessions": [CompletedSession.from_wire(i) for i in items if isinstance(i, dict)]})
        model._wire = payload if isinstance(payload, dict) else {"sessions": payload}
        return model


class ImageTitle(ApiModel):
    content: str | None = None


class ReceiptTemplate(ApiModel):
    template_id: str | None = None
    template_name: str | None = None
    template_json: dict[str, Any] | None = None


class ReceiptQueryResult(ApiModel):
    template_id: str | None = None
    receipt_json: dict[str, Any] | None = None
    standardized_receipt: dict[str, Any] | None = None
    validation: dict[str, Any] | None = None
    confidence: float | None = None


class RollupBanner(Accepted):
    result_url: str | None = None
    thumbnail_url: str | None = None
