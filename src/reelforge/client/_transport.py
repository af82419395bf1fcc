"""Sending ``Call``s: request building, retries with backoff, and turning responses into results.

Both cores share every decision (what to send, whether and how long to wait before a retry,
how to read an answer); only the I/O differs. A POST gets one ``Idempotency-Key`` per logical
call, reused by all its retries, so a retry after a lost response replays the first answer
instead of charging again.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
import uuid
from typing import Any, Generic, TypeVar

import httpx

from reelforge.client._call import Call
from reelforge.client._config import ClientConfig, RetryPolicy
from reelforge.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    credit_header,
    error_class_for,
)
from reelforge.client.models import ApiModel
from reelforge.client.result import APIResult

T = TypeVar("T", bound=ApiModel)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def new_idempotency_key() -> str:
    return f"rf-{uuid.uuid4()}"


def decode_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _in_flight_replay(response: httpx.Response) -> bool:
    """A 409 saying our own Idempotency-Key's first attempt is still running: worth waiting for."""
    body = decode_body(response)
    return (
        isinstance(body, dict)
        and body.get("field") == "Idempotency-Key"
        and "still being processed" in str(body.get("message", ""))
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, when.timestamp() - time.time()) if when else None


def _retryable(response: httpx.Response, server_says: float | None) -> bool:
    """408/429/5xx, and a 409 the server says will clear: our own key's first attempt still running,
    or any conflict sent with a ``Retry-After``."""
    if response.status_code in RETRY_STATUSES:
        return True
    return response.status_code == 409 and (server_says is not None or _in_flight_replay(response))


def retry_delay(policy: RetryPolicy, attempt: int, response: httpx.Response | None) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``, or None when this outcome is final.
    A ``Retry-After`` (seconds or an HTTP date) is honoured up to ``policy.max_retry_after``."""
    if attempt >= policy.max_retries:
        return None
    if response is not None:
        server_says = retry_after_seconds(response)
        if not _retryable(response, server_says):
            return None
        if server_says is not None:
            return min(server_says, policy.max_retry_after)
    backoff = min(policy.initial_delay * 2**attempt, policy.max_delay)
    return backoff * (0.75 + random.random() / 2)  # jitter: de-synchronise many clients


def request_url(config: ClientConfig, call: Call[Any]) -> str:
    return f"{config.base_url}/{call.path}"


def build_request(
    http: httpx.Client | httpx.AsyncClient, config: ClientConfig, call: Call[Any], idempotency_key: str | None
) -> httpx.Request:
    headers = config.headers()
    headers.update(call.options.get("extra_headers") or {})
    if idempotency_key and not any(k.lower() == "idempotency-key" for k in headers):
        headers["Idempotency-Key"] = idempotency_key
    url = request_url(config, call)
    timeout = call.options.get("timeout", config.timeout)
    if call.files:
        files = [(name, (file_name, data, mime)) for name, file_name, data, mime in call.files]
        return http.build_request(
            call.method, url, params=call.params, data=call.form, files=files, headers=headers, timeout=timeout
        )
    return http.build_request(call.method, url, params=call.params, json=call.json, headers=headers, timeout=timeout)


def status_error(what: str, response: httpx.Response, body: Any = None) -> APIStatusError:
    """The typed error for a non-2xx ``response`` (``NotFoundError`` for a 404, …)."""
    url = str(response.request.url)
    detail = body.get("message") if isinstance(body, dict) else None
    text = f"{what} {url} failed with status {response.status_code}"
    return error_class_for(response.status_code)(
        f"{text}: {detail}" if detail else text,
        status=response.status_code,
        body=body,
        headers=dict(response.headers.items()),
        url=url,
    )


def connection_error(what: str, url: str, exc: httpx.TransportError) -> APIConnectionError:
    """``APITimeoutError`` when the transport timed out, else ``APIConnectionError``."""
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return kind(f"{what} {url} failed: {exc.__class__.__name__}: {exc}", url=url)


def to_result(call: Call[T], response: httpx.Response) -> APIResult[T]:
    """The call's result for a 2xx answer; raises the typed ``APIStatusError`` for anything else."""
    body = decode_body(response)
    headers = dict(response.headers.items())
    if not response.is_success:
        raise status_error("Request to", response, body)
    return APIResult(
        data=call.model.from_wire(body),
        status=response.status_code,
        headers=headers,
        credits_charged=credit_header(headers, "x-credits-charged"),
        credits_remaining=credit_header(headers, "x-credits-remaining"),
        raw=response,
    )


def idempotency_key_for(call: Call[Any]) -> str | None:
    if call.method != "POST":
        return None
    return call.options.get("idempotency_key") or new_idempotency_key()


class Retries:
    """Counts the tries of one logical request and says, after each outcome, whether to try again.

    What the sync and async drivers share: they only do the I/O and the waiting."""

    def __init__(self, policy: RetryPolicy, what: str, url: str) -> None:
        self.policy, self.what, self.url = policy, what, url
        self.tries = 0

    def wait_after(self, outcome: httpx.Response | httpx.TransportError) -> float | None:
        """Seconds to wait before the next try, or None when ``outcome`` (then a response) is final.
        A transport failure that is final raises ``APIConnectionError``/``APITimeoutError``."""
        response = outcome if isinstance(outcome, httpx.Response) else None
        delay = retry_delay(self.policy, self.tries, response)
        if delay is None and isinstance(outcome, httpx.TransportError):
            raise connection_error(self.what, self.url, outcome) from outcome
        self.tries += 1
        return delay


class Exchange(Retries, Generic[T]):
    """One API call: the request each try sends (one ``Idempotency-Key`` for all of them) and the
    result or the wait that each outcome leads to."""

    def __init__(self, config: ClientConfig, call: Call[T]) -> None:
        super().__init__(config.retry, "Request to", request_url(config, call))
        self.config, self.call = config, call
        self.key = idempotency_key_for(call)

    def request(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return build_request(http, self.config, self.call, self.key)

    def settle(self, outcome: httpx.Response | httpx.TransportError) -> APIResult[T] | float:
        """The result (raising the typed error for a final non-2xx), or seconds to wait before the next try.
        A response that is retried needs no closing: ``send`` without ``stream=True`` has read and closed it."""
        delay = self.wait_after(outcome)
        if delay is None and isinstance(outcome, httpx.Response):
            return to_result(self.call, outcome)
        assert delay is not None  # wait_after raised for a final transport failure
        return float(delay)  # the drivers tell a wait from a result by its type


class SyncCore:
    """Owns an ``httpx.Client`` and executes calls synchronously."""

    _config: ClientConfig
    _http: httpx.Client

    def _run(self, call: Call[T]) -> APIResult[T]:
        exchange = Exchange(self._config, call)
        while isinstance(step := exchange.settle(self._try(exchange.request(self._http))), float):
            time.sleep(step)
        return step

    def _try(self, request: httpx.Request) -> httpx.Response | httpx.TransportError:
        try:
            return self._http.send(request)
        except httpx.TransportError as exc:
            return exc


class AsyncCore:
    """Owns an ``httpx.AsyncClient`` and executes calls as coroutines."""

    _config: ClientConfig
    _http: httpx.AsyncClient

    async def _arun(self, call: Call[T]) -> APIResult[T]:
        exchange = Exchange(self._config, call)
        while isinstance(step := exchange.settle(await self._try(exchange.request(self._http))), float):
            await asyncio.sleep(step)
        return step

    async def _try(self, request: httpx.Request) -> httpx.Response | httpx.TransportError:
        try:
            return await self._http.send(request)
        except httpx.TransportError as exc:
            return exc
