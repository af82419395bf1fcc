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


class BadRequest(ApiError):
    status_code = 400
    code = "invalid_request"


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class PaymentRequired(ApiError):
    status_code = 402
    code = "insufficient_credits"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(ApiError):
    status_code = 429
    code = "rate_limited"
