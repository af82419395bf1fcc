"""Abuse limits in front of the routes: per-API-key rate limiting (429), failed authentications
per client address (429) and request body size (413).

Both are plain ASGI middleware so a refused request costs no routing, no body parsing and no
database work. The rate limiter is an in-process token bucket per presented API key: right for
the embedded default (one API process). Several API processes each keep their own buckets, so a
cluster's effective limit is ``processes x rate``; a shared limit needs a shared counter (see
docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelforge.settings import Settings

# Only the API proper is limited; /healthz, /files, /docs and /openapi.json stay cheap and open.
LIMITED_PREFIX = "/v1/"
# Buckets kept at most; the least recently used goes first (a rotated key just starts full).
MAX_BUCKETS = 100_000


@dataclass
class TokenBucket:
    """``rate`` tokens a second up to ``burst``; a request takes one."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        """0 when a token is there, else the seconds until one will be (takes nothing)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one will be there."""
        wait = self.wait(now)
        if wait == 0.0:
            self.tokens -= 1.0
        return wait


class RateLimiter:
    """Token buckets by client key, thread-safe, bounded in memory."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0 when the request may proceed (a token is taken), else the seconds to wait before retrying."""
        now = self.clock()
        with self._lock:
            return self._bucket(key, now).take(now)

    def peek(self, key: str) -> float:
        """Like :meth:`check`, without taking a token."""
        now = self.clock()
        with self._lock:
            return self._bucket(key, now).wait(now)

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.per_second, float(self.burst), float(self.burst), now)
            self._buckets[key] = bucket
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    authorization = (_header(scope, b"authorization") or "").strip()
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def client_key(scope: Scope) -> str:
    """The bucket a request draws from: its bearer token (hashed, never kept in clear), else
    the client address for requests without one."""
    token = _bearer(scope)
    return "key:" + hashlib.sha256(token.encode()).hexdigest()[:32] if token else client_address(scope)


def _limited(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope.get("path", "")).startswith(LIMITED_PREFIX)


def _too_many(what: str, limiter: RateLimiter, wait_s: float) -> JSONResponse:
    retry_after = max(1, math.ceil(wait_s))
    message = (
        f"Too many {what}: at most {limiter.per_second:g}/s (bursts of {limiter.burst}). "
        f"Retry after {retry_after} s."
    )
    return JSONResponse(
        {"error": "rate_limited", "message": message, "retry_after": retry_after},
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _limited(scope):
            wait_s = self.limiter.check(client_key(scope))
            if wait_s > 0:
                await _too_many("requests for this API key", self.limiter, wait_s)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class KnownKeys:
    """Hashes of keys that recently authenticated (bounded, least recently seen dropped first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, digest: str) -> bool:
        with self._lock:
            return digest in self._seen

    def add(self, digest: str) -> None:
        with self._lock:
            self._seen[digest] = None
            self._seen.move_to_end(digest)
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)

    def discard(self, digest: str) -> None:
        with self._lock:
            self._seen.pop(digest, None)


class AuthFailureLimitMiddleware:
    """Failed authentications (401) drawn from a bucket per client address.

    Each new API key gets a fresh bucket of the per-key limiter, so guessing keys is bounded only
    here: once an address has used up its failures, requests from it that present a key are
    refused (429) before they are looked up, until the bucket refills — except keys this process
    has seen authenticate, so a working client behind the same NAT as a failing one carries on.
    Keyless requests keep the address's ordinary bucket."""

    def __init__(self, app: ASGIApp, failures: RateLimiter) -> None:
        self.app = app
        self.failures = failures
        self.known = KnownKeys()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _bearer(scope) if _limited(scope) else None
        if token is None:
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        digest = hashlib.sha256(token.encode()).hexdigest()
        wait_s = self.failures.peek(address)
        if wait_s > 0 and digest not in self.known:
            await _too_many("failed authentications from this address", self.failures, wait_s)(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    self.known.discard(digest)
                    self.failures.check(address)
                else:
                    self.known.add(digest)
            await send(message)

        await self.app(scope, receive, watch)


def _too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse(
        {"error": "payload_too_large", "message": f"Request body is larger than {max_bytes} bytes.", "field": "body"},
        status_code=413,
        headers={"Connection": "close"},
    )


class BodySizeLimitMiddleware:
    """413 before any parsing. A declared ``Content-Length`` is judged from the header alone (the
    server already holds the body to that length); a body of unknown length (chunked) is read
    up to the limit first and then replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if declared.strip().isdigit() and int(declared) > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break  # the client went away; let the app see that
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Register the limits; the rate limiter runs first, so a throttled client costs no body read."""
    if settings.max_body_bytes > 0:
        app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.rate_limit_per_s > 0:
        # add_middleware wraps outermost last: added after, the rate limiter runs before the body check.
        limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
    if settings.auth_failures_per_s > 0:
        failures = RateLimiter(settings.auth_failures_per_s, settings.auth_failure_burst)
        app.add_middleware(AuthFailureLimitMiddleware, failures=failures)
