"""The client's one error type, mirroring samsar-js's ``SamsarRequestError``.

Every non-2xx answer raises :class:`ReelforgeError` carrying the HTTP status, the decoded body,
the server's ``message`` and ``field``, the response headers and the credit headers. Transport
failures raise the same type with ``status`` None, so one ``except`` clause covers a call.
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


class ReelforgeConnectionError(ReelforgeError):
    """The request could not be sent or no response arrived (after all retries)."""


class JobFailedError(ReelforgeError):
    """``wait()`` saw the request end FAILED or CANCELLED; ``body`` is the final status."""


class WaitTimeoutError(ReelforgeError, TimeoutError):
    """``wait()`` gave up before the request reached a final state; ``body`` is the last status."""


class WebhookVerificationError(ReelforgeError):
    """A webhook delivery whose signature or timestamp does not check out."""


# samsar-js's name for the same thing, so ported code reads naturally.
SamsarRequestError = ReelforgeError
