"""The client's errors: one base, :class:`ReelforgeError`, and a subclass per kind of failure.

As in openai-python, a non-2xx answer raises the subclass for its status (``NotFoundError`` for 404,
``InsufficientCreditsError`` for 402, …; :class:`APIStatusError` for a status without its own class),
and a request that got no answer raises :class:`APIConnectionError` (:class:`APITimeoutError` when it
timed out). Every one carries the HTTP status (None without an answer), the decoded body, the
server's ``message`` and ``field``, the response headers and the credit headers, so
``except ReelforgeError`` (samsar-js's ``SamsarRequestError``) still covers any call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def credit_header(headers: Mapping[str, str], name: str) -> int | None:
    """An ``x-credits-*`` header as an int, None when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


class ReelforgeError(Exception):
    """A failed API call: a non-2xx response, or no response at all (``status`` None)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.url = url
        self.credits_charged = credit_header(self.headers, "x-credits-charged")
        self.credits_remaining = credit_header(self.headers, "x-credits-remaining")

    @property
    def message(self) -> str:
        """The server's human message when it sent one, else this error's text."""
        if isinstance(self.body, dict) and isinstance(self.body.get("message"), str):
            return str(self.body["message"])
        return str(self)

    @property
    def field(self) -> str | None:
        """The request field the server blamed, when it named one."""
        value = self.body.get("field") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def code(self) -> str | None:
        """The server's machine-readable error code (``invalid_request``, ``insufficient_credits``, …)."""
        value = self.body.get("error") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, field={self.field!r})"


class APIStatusError(ReelforgeError):
    """The server answered with a non-2xx status; subclasses name the common ones."""


class BadRequestError(APIStatusError):
    """400: the request was invalid (a missing or malformed field, a missing API key, …)."""


class AuthenticationError(APIStatusError):
    """401: the API key is unknown or revoked."""


class InsufficientCreditsError(APIStatusError):
    """402: the account has too few credits; nothing was charged or enqueued."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not touch this resource."""


class NotFoundError(APIStatusError):
    """404: no such request, session, template or file (for this account)."""


class ConflictError(APIStatusError):
    """409: e.g. an ``Idempotency-Key`` reused with a different body."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body or an input file is over the server's limit."""


class RateLimitError(APIStatusError):
    """429: too many requests per key, or too many pending jobs; ``Retry-After`` says when to retry."""


class InternalServerError(APIStatusError):
    """5xx: the server failed (after the client's retries)."""


class APIConnectionError(ReelforgeError):
    """The request could not be sent or no response arrived (after all retries)."""


class APITimeoutError(APIConnectionError):
    """No response arrived within the timeout (after all retries)."""


class JobFailedError(ReelforgeError):
    """``wait()`` saw the request end FAILED or CANCELLED; ``body`` is the final status."""


class WaitTimeoutError(ReelforgeError, TimeoutError):
    """``wait()`` gave up before the request reached a final state; ``body`` is the last status."""


class WebhookVerificationError(ReelforgeError):
    """A webhook delivery whose signature or timestamp does not check out."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_class_for(status: int) -> type[APIStatusError]:
    """The error type a response with ``status`` raises."""
    if status >= 500:
        return InternalServerError
    return STATUS_ERRORS.get(status, APIStatusError)


# Earlier names, kept so existing code reads on: samsar-js calls the base ``SamsarRequestError``.
SamsarRequestError = ReelforgeError
ReelforgeConnectionError = APIConnectionError
