"""Fetching client-supplied media safely.

Accepts ``http(s)://`` and ``data:`` URLs. Every hop of an HTTP fetch (redirects included)
must resolve only to public addresses, unless its host is on the deployment's allowlist;
loopback, private, link-local (cloud metadata), multicast and reserved ranges are refused.
Bodies are size-capped while streaming, and images are checked by actually decoding them.
"""

from __future__ import annotations

import base64
import binascii
import io
import ipaddress
import socket
import warnings
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx
from PIL import Image

from reelforge.core.errors import BadRequest, PayloadTooLarge

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class FetchPolicy:
    allowlist: tuple[str, ...] = ()
    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 64_000_000
    timeout_s: float = 20.0


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str | None


def _allowed(host: str, port: int, allowlist: tuple[str, ...]) -> bool:
    return host in allowlist or f"{host}:{port}" in allowlist


def _is_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, policy: FetchPolicy, field: str) -> None:
    """Refuse a URL whose scheme is not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BadRequest(f"{field} must be an http(s) or data: URL.", field=field)
    host = parts.hostname
    if not host:
        raise BadRequest(f"{field} has no host.", field=field)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BadRequest(f"{field} has an invalid port.", field=field) from exc
    if _allowed(host, port, policy.allowlist):
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BadRequest(f"{field}: cannot resolve host {host!r}.", field=field) from exc
    for info in infos:
        if not _is_public(str(info[4][0])):
            raise BadRequest(
                f"{field} points to a private, loopback or link-local address ({host}); refused.", field=field
            )


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
    if not isinstance(url, str) or not url.strip():
        raise BadRequest(f"{field} must be a non-empty URL.", field=field)
    url = url.strip()
    if url.startswith("data:"):
        return _decode_data_url(url, policy, field)
    with httpx.Client(timeout=policy.timeout_s, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, policy, field)
            try:
                with client.stream("GET", url) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code >= 400:
                        raise BadRequest(f"{field}: fetching it returned HTTP {resp.status_code}.", field=field)
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > policy.max_bytes:
                        raise PayloadTooLarge(f"{field} is larger than {policy.max_bytes} bytes.", field=field)
                    buf = bytearray()
                    for chunk in resp.iter_bytes():
                        buf += chunk
                        if len(buf) > policy.max_bytes:
                            raise PayloadTooLarge(f"{field} is larger than {policy.max_bytes} bytes.", field=field)
                    return Fetched(bytes(buf), resp.headers.get("content-type"))
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                # InvalidURL is not an HTTPError: raised for a URL, or a redirect Location, httpx cannot parse.
                raise BadRequest(f"{field}: could not fetch ({exc.__class__.__name__}).", field=field) from exc
    raise BadRequest(f"{field}: too many redirects.", field=field)


def load_image(data: bytes, policy: FetchPolicy, field: str) -> Image.Image:
    """Decode and fully verify an image; refuse non-images, truncated files and decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            w, h = probe.size
            if w * h > policy.max_pixels:
                raise BadRequest(f"{field}: image is {w}x{h}, over the {policy.max_pixels}-pixel limit.", field=field)
            probe.verify()
            img = Image.open(io.BytesIO(data))
            img.load()
    except BadRequest:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadRequest(f"{field}: image is too large to decode safely.", field=field) from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise BadRequest(f"{field} is not a readable image ({exc.__class__.__name__}).", field=field) from exc
    return img


def fetch_image(url: str, policy: FetchPolicy, field: str) -> tuple[bytes, Image.Image]:
    fetched = fetch(url, policy, field)
    return fetched.data, load_image(fetched.data, policy, field)
