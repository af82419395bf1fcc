"""Standard Webhooks signing and verification (https://www.standardwebhooks.com).

Headers: ``webhook-id``, ``webhook-timestamp`` (unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``). Secrets look like ``whsec_<base64>``;
the bytes after the prefix are the key when they decode as base64, else the raw text is.

Standard library only: the server signs with it and the client SDK verifies with it, and the SDK
installs without the server's dependencies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE_S = 5 * 60


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers_for(secret: str, event_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, event_id, ts, body),
        "content-type": "application/json",
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str], tolerance_s: int = TOLERANCE_S) -> bool:
    """True when one of the signatures matches and the timestamp is recent."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        event_id, ts = lower["webhook-id"], int(lower["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    expected = sign(secret, event_id, ts, body)
    return any(hmac.compare_digest(expected, sig) for sig in lower.get("webhook-signature", "").split())
