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
from typing import Any, TypeVar

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


class SyncCore:
    """Owns an ``httpx.Client`` and executes calls synchronously."""

    _config: ClientConfig
    _http: httpx.Client

    def _run(self, call: Call[T]) -> APIResult[T]:
        key = idempotency_key_for(call)
        attempt = 0
        while True:
            request = build_request(self._http, self._config, call, key)
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                delay = retry_delay(self._config.retry, attempt, None)
                if delay is None:
                    raise connection_error("Request to", request_url(self._config, call), exc) from exc
            else:
                delay = retry_delay(self._config.retry, attempt, response)
                if delay is None:
                    return to_result(call, response)
                response.close()
            time.sleep(delay)
            attempt += 1


class AsyncCore:
    """Owns an ``httpx.AsyncClient`` and executes calls as coroutines."""

    _config: ClientConfig
    _http: httpx.AsyncClient

    async def _arun(self, call: Call[T]) -> APIResult[T]:
        key = idempotency_key_for(call)
        attempt = 0
        while True:
            request = build_request(self._http, self._config, call, key)
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                delay = retry_delay(self._config.retry, attempt, None)
                if delay is None:
                    raise connection_error("Request to", request_url(self._config, call), exc) from exc
            else:
                delay = retry_delay(self._config.retry, attempt, response)
                if delay is None:
                    return to_result(call, response)
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1
