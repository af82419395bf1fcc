"""Where fetches run: one event loop per process, a bound on fetches in flight, a total deadline.

Every fetch and webhook delivery is a coroutine on one background event loop, so a slow upstream
costs a socket, not a thread. The API's routes are synchronous and wait for their fetch in one of
Starlette's worker threads; :func:`reserve_threads` widens that pool by the fetch bound, so
threads waiting on fetches can never take the share that ``/healthz``, ``/v1/status`` or
``/v1/credits`` need. Past the bound a fetch is refused at once with 503 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import logging
import os
import ssl
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

import anyio.to_thread
import httpcore

from reelforge.core.errors import ApiError, BadRequest, PayloadTooLarge
from reelforge.storage.fetch import client
from reelforge.storage.fetch.client import Fetched, Hop
from reelforge.storage.fetch.guard import Resolver, SystemResolver, parse_url, resolve_target

log = logging.getLogger("reelforge.fetch")

T = TypeVar("T")

RETRY_AFTER_S = 2
# httpcore's exception types share no base class; all of these mean "the exchange failed".
_EXCHANGE_ERRORS = (
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
    ssl.SSLError,
    OSError,
)


@dataclass(frozen=True)
class FetchPolicy:
    allowlist: tuple[str, ...] = ()
    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 64_000_000
    deadline_s: float = 20.0  # for the whole fetch: resolution, connection, every redirect, the body
    max_concurrent: int = 64  # fetches in flight per process; 0 = unbounded
    resolver: Resolver = field(default_factory=SystemResolver, compare=False)


class FetchBusy(ApiError):
    status_code = 503
    code = "fetch_capacity"

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(RETRY_AFTER_S)}


class _Loop:
    """The process's fetch event loop, started on first use (and again in a forked child)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="reelforge-fetch", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.get())
        try:
            return future.result(timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()  # the coroutine's own deadline should have fired first; never wait past this
            raise


_LOOP = _Loop()


class _Admission:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0

    @contextmanager
    def slot(self, limit: int) -> Iterator[None]:
        with self._lock:
            if limit > 0 and self.in_flight >= limit:
                raise FetchBusy(
                    f"The server is fetching {limit} URLs already; retry in {RETRY_AFTER_S} s.",
                    extra={"retry_after": RETRY_AFTER_S},
                )
            self.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1


_ADMISSION = _Admission()


def reserve_threads(count: int) -> None:
    """Widen the running event loop's default worker-thread pool (Starlette's sync routes) by
    ``count``: one thread for each fetch that may be waited on. Call inside the app's lifespan."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = int(limiter.total_tokens) + max(0, count)


async def _bounded(coro: Coroutine[Any, Any, T], deadline_s: float, field: str) -> T:
    """Run one exchange under its total deadline; failures become client-safe 400s."""
    try:
        async with asyncio.timeout(deadline_s):
            return await coro
    except (TimeoutError, httpcore.TimeoutException) as exc:
        raise BadRequest(f"{field}: fetching the URL took longer than {deadline_s:g} s.", field=field) from exc
    except _EXCHANGE_ERRORS as exc:
        log.info("fetch of %s failed: %s", field, exc.__class__.__name__)
        raise client.unreachable(field) from exc


def _hop(policy: FetchPolicy, field: str) -> Hop:
    return Hop(policy.allowlist, policy.resolver, time.monotonic() + policy.deadline_s, field)


def _decode_data_url(url: str, policy: FetchPolicy, field: str) -> Fetched:
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise BadRequest(f"{field} is a malformed data: URL.", field=field)
    if len(payload) > policy.max_bytes * 4 // 3 + 4:
        raise PayloadTooLarge(f"{field} is larger than {policy.max_bytes} bytes.", field=field)
    meta = header.split(";")
    try:
        data = base64.b64decode(payload, validate=False) if "base64" in meta[1:] else unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"{field} is not valid base64.", field=field) from exc
    return Fetched(data, meta[0] or None)


def fetch(url: str, policy: FetchPolicy, field: str) -> Fetched:
    """The bytes of an ``http(s)://`` or ``data:`` URL; 400/413 naming ``field``, 503 when busy."""
    if not isinstance(url, str) or not url.strip():
        raise BadRequest(f"{field} must be a non-empty URL.", field=field)
    url = url.strip()
    if url.startswith("data:"):
        return _decode_data_url(url, policy, field)
    parsed = parse_url(url, field)
    with _ADMISSION.slot(policy.max_concurrent):
        coro = _bounded(client.get(parsed, _hop(policy, field), policy.max_bytes), policy.deadline_s, field)
        return _LOOP.run(coro, policy.deadline_s + 5)


def post(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy, field: str = "webhookUrl") -> int:
    """POST to a checked, pinned address (webhook deliveries); the response's status code.
    Raises :class:`ApiError` when the target is refused or the exchange fails."""
    parsed = parse_url(url, field)
    coro = _bounded(client.post(parsed, _hop(policy, field), body, headers), policy.deadline_s, field)
    return _LOOP.run(coro, policy.deadline_s + 5)


def check_target(url: str, policy: FetchPolicy, field: str) -> None:
    """Resolve and judge a URL's host now: 400 naming ``field`` when it reaches inside. A host that
    does not resolve at the moment passes (webhooks: each delivery resolves and checks again)."""
    parsed = parse_url(url, field)
    resolving = resolve_target(
        parsed, policy.allowlist, policy.resolver, policy.deadline_s, field, unresolvable_ok=True
    )
    _LOOP.run(_bounded(resolving, policy.deadline_s, field), policy.deadline_s + 5)
