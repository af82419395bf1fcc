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
from reelforge.client.errors import ReelforgeConnectionError, ReelforgeError, credit_header
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


def retry_delay(policy: RetryPolicy, attempt: int, response: httpx.Response | None) -> float | None:
    """Seconds to wait before retry number ``attempt + 1``, or None when this outcome is final."""
    if attempt >= policy.max_retries:
        return None
    if response is not None:
        if response.status_code not in RETRY_STATUSES and not (
            response.status_code == 409 and _in_flight_replay(response)
        ):
            return None
        server_says = retry_after_seconds(response)
        if server_says is not None:
            return min(server_says, policy.max_retry_after)
    backoff = min(policy.initial_delay * 2**attempt, policy.max_delay)
    return backoff * (0.75 + random.random() / 2)  # jitter: de-synchronise many clients


def build_request(
    http: httpx.Client | httpx.AsyncClient, config: ClientConfig, call: Call[Any], idempotency_key: str | None
) -> httpx.Request:
    headers = config.headers()
    headers.update(call.options.get("extra_headers") or {})
    if idempotency_key and not any(k.lower() == "idempotency-key" for k in headers):
        headers["Idempotency-Key"] = idempotency_key
    url = f"{config.base_url}/{call.path}"
    timeout = call.options.get("timeout", config.timeout)
    if call.files:
        files = [(name, (file_name, data, mime)) for name, file_name, data, mime in call.files]
        return http.build_request(
            call.method, url, params=call.params, data=call.form, files=files, headers=headers, timeout=timeout
        )
    return http.build_request(call.method, url, params=call.params, json=call.json, headers=headers, timeout=timeout)


def to_result(call: Call[T], response: httpx.Response) -> APIResult[T]:
    """The call's result for a 2xx answer; raises ``ReelforgeError`` for anything else."""
    body = decode_body(response)
    headers = dict(response.headers.items())
    if not response.is_success:
        detail = body.get("message") if isinstance(body, dict) else None
        url = str(response.request.url)
        text = f"Request to {url} failed with status {response.status_code}"
        raise ReelforgeError(
            f"{text}: {detail}" if detail else text, status=response.status_code, body=body, headers=headers, url=url
        )
    return APIResult(
        data=call.model.from_wire(body),
        status=response.status_code,
        headers=headers,
        credits_charged=credit_header(headers, "x-credits-charged"),
        credits_remaining=credit_header(headers, "x-credits-remaining"),
        raw=response,
    )


def connection_error(call: Call[Any], config: ClientConfig, exc: httpx.TransportError) -> ReelforgeConnectionError:
    url = f"{config.base_url}/{call.path}"
    return ReelforgeConnectionError(f"Request to {url} failed: {exc.__class__.__name__}: {exc}", url=url)


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
                    raise connection_error(call, self._config, exc) from exc
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
                    raise connection_error(call, self._config, exc) from exc
            else:
                delay = retry_delay(self._config.retry, attempt, response)
                if delay is None:
                    return to_result(call, response)
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1
