"""The one error type the HTTP layer turns into a JSON error body.

Domain code raises ``ApiError`` (or a subclass) with a human message and, when one input
field is to blame, its name; ``api.errors`` renders it. Nothing else leaks to clients.
"""

from __future__ import annotations

import re
from typing import Any

_FIELD_PATH = re.compile(r"[A-Za-z_][\w.\[\]]*")


def split_field(message: str) -> tuple[str | None, str]:
    """``"cta_url: required by generate_outro_image"`` -> ``("cta_url", "required by …")``.

    Whole-model checks have no location of their own; they start their message with the field
    the user must change, and the error body names it."""
    head, sep, rest = message.partition(": ")
    if sep and _FIELD_PATH.fullmatch(head):
        return head, rest
    return None, message


class ApiError(Exception):
    status_code = 400
    code = "invalid_request"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        """``class NotFound(ApiError, status=404, code="not_found")``: one line per HTTP error."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def response_headers(self) -> dict[str, str]:
        """Extra response headers (e.g. ``Retry-After``); none by default."""
        return {}


class BadRequest(ApiError, status=400, code="invalid_request"):
    """The request cannot be used as sent; ``field`` names the input to change."""


class Unauthorized(ApiError, status=401, code="unauthorized"):
    """No valid credential."""


class PaymentRequired(ApiError, status=402, code="insufficient_credits"):
    """Not enough credits: nothing was charged or enqueued."""


class Forbidden(ApiError, status=403, code="forbidden"):
    """The credential is valid but the resource is not its to touch."""


class NotFound(ApiError, status=404, code="not_found"):
    """No such resource for this caller."""


class Conflict(ApiError, status=409, code="conflict"):
    """Clashes with an earlier request (idempotency key, state)."""


class PayloadTooLarge(ApiError, status=413, code="payload_too_large"):
    """The body or a fetched input is too large."""


class TooManyRequests(ApiError, status=429, code="rate_limited"):
    """Too many requests or pending jobs; retry after ``Retry-After``."""
