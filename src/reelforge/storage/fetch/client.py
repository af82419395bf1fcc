"""HTTP requests pinned to the addresses the guard checked.

httpx resolves a URL's host itself when it connects, which is what let a rebinding name pass the
old guard. Here each hop gets its own httpcore connection pool whose network backend ignores the
host name and connects only to the hop's checked addresses; the URL keeps its host name, so the
``Host`` header, TLS SNI and certificate verification all use the name the client gave.
Redirects are followed by hand, each new location resolved and checked again. The whole exchange
runs under one total deadline, and bodies are size-capped while they stream.

Errors say what failed (could not resolve, refused address, timed out, too large, could not be
fetched) but never echo upstream status codes, bodies or connection errors: those would let a
caller map which ports answer where.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import certifi
import httpcore
import httpx

from reelforge import __version__
from reelforge.core.errors import BadRequest, PayloadTooLarge
from reelforge.storage.fetch.guard import IPAddress, Resolver, Target, resolve_target

log = logging.getLogger("reelforge.fetch")

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = f"reelforge/{__version__}".encode()
_SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str | None


@dataclass(frozen=True)
class Hop:
    """What one request may reach: the allowlist, the resolver and the absolute deadline."""

    allowlist: tuple[str, ...]
    resolver: Resolver
    deadline: float  # time.monotonic() value
    field: str

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked addresses, whatever host name httpcore asks for."""

    def __init__(self, addresses: Iterable[IPAddress]) -> None:
        self._addresses = tuple(addresses)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._addresses:  # in resolver order, as getaddrinfo's callers do
            try:
                return await self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for client URLs")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _core_url(url: httpx.URL) -> httpcore.URL:
    return httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)


def _timeouts(hop: Hop) -> dict[str, dict[str, float]]:
    left = hop.remaining()
    return {"timeout": {"connect": left, "read": left, "write": left, "pool": left}}


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _target(url: httpx.URL, hop: Hop) -> Target:
    return await resolve_target(url, hop.allowlist, hop.resolver, hop.remaining(), hop.field)


def _pool(target: Target) -> httpcore.AsyncConnectionPool:
    # One pool per hop: it can only ever connect to this hop's checked addresses.
    return httpcore.AsyncConnectionPool(
        ssl_context=_SSL_CONTEXT, max_connections=1, network_backend=PinnedBackend(target.addresses)
    )


def _request_headers(url: httpx.URL, extra: Iterable[tuple[str, str]] = ()) -> list[tuple[bytes, bytes]]:
    # Host as the URL wrote it (httpcore's default drops the brackets of an IPv6 literal).
    headers = [(b"Host", url.netloc), (b"User-Agent", _USER_AGENT), (b"Accept-Encoding", b"identity")]
    return headers + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra]


def unreachable(field: str) -> BadRequest:
    return BadRequest(f"{field}: the URL could not be fetched.", field=field)


async def get(url: httpx.URL, hop: Hop, max_bytes: int) -> Fetched:
    """GET ``url`` following up to MAX_REDIRECTS redirects, every hop checked and pinned."""
    field = hop.field
    too_large = PayloadTooLarge(f"{field} is larger than {max_bytes} bytes.", field=field)
    for _ in range(MAX_REDIRECTS + 1):
        target = await _target(url, hop)
        async with _pool(target) as pool, pool.stream(
            "GET", _core_url(url), headers=_request_headers(url), extensions=_timeouts(hop)
        ) as resp:
            location = _header(resp.headers, b"location")
            if resp.status in _REDIRECT_STATUSES and location:
                try:
                    url = url.join(location)
                except httpx.InvalidURL as exc:
                    raise unreachable(field) from exc
                if url.scheme not in ("http", "https"):
                    raise BadRequest(f"{field} redirects to a URL that is not http(s).", field=field)
                continue
            if not 200 <= resp.status < 300:
                log.info("fetch of %s answered HTTP %s", field, resp.status)
                raise unreachable(field)
            declared = _header(resp.headers, b"content-length")
            if declared and declared.strip().isdigit() and int(declared) > max_bytes:
                raise too_large
            buf = bytearray()
            async for chunk in resp.aiter_stream():
                buf += chunk
                if len(buf) > max_bytes:
                    raise too_large
            return Fetched(bytes(buf), _header(resp.headers, b"content-type"))
    raise BadRequest(f"{field}: too many redirects.", field=field)


async def post(url: httpx.URL, hop: Hop, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url`` (checked and pinned, redirects not followed); the status code."""
    target = await _target(url, hop)
    extra = dict(headers)
    if not any(name.lower() == "content-type" for name in extra):
        extra["Content-Type"] = "application/json"
    async with _pool(target) as pool, pool.stream(
        "POST", _core_url(url), headers=_request_headers(url, extra.items()), content=body, extensions=_timeouts(hop)
    ) as resp:
        return int(resp.status)  # the receiver's body is never read: it could be any size
