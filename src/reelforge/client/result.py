"""What every call returns: samsar-js's ``{ data, status, headers, creditsCharged, creditsRemaining, raw }``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")


@dataclass(frozen=True)
class APIResult(Generic[T]):
    data: T
    """The decoded body as a typed model (unknown fields kept; ``data["field"]`` reads the wire JSON)."""
    status: int
    headers: dict[str, str]
    credits_charged: int | None
    """``x-credits-charged`` of this response, when the server sent it."""
    credits_remaining: int | None
    """``x-credits-remaining`` of this response, when the server sent it."""
    raw: httpx.Response = field(repr=False)

    @property
    def request_id(self) -> str | None:
        """``data.request_id`` when the body has one (job-creating calls)."""
        value = getattr(self.data, "get", lambda _k: None)("request_id")
        return value if isinstance(value, str) else None

    # samsar-js spellings, for code ported from JavaScript.
    @property
    def creditsCharged(self) -> int | None:  # noqa: N802
        return self.credits_charged

    @property
    def creditsRemaining(self) -> int | None:  # noqa: N802
        return self.credits_remaining
