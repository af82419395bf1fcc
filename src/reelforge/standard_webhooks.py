"""Standard Webhooks signing and verification (https://www.standardwebhooks.com), through the
reference ``standardwebhooks`` library (pure Python, no dependencies, so the SDK can use it too).

Headers: ``webhook-id``, ``webhook-timestamp`` (unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``). Secrets look like ``whsec_<base64>``.
The key is decoded here rather than by the library, because secrets generated before reelforge
used standard base64 were URL-safe base64 (``-``/``_``), which the library would misread, and
because a secret that is not base64 at all has always meant its raw text.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# The library's fixed window; ``verify`` can only narrow it.
TOLERANCE_S = 5 * 60


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()


def _webhook(secret: str) -> Webhook:
    return Webhook(_key(secret))


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for one delivery; ``body`` is UTF-8 JSON."""
    return _webhook(secret).sign(event_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())


def headers_for(
    secret: str | Sequence[str], event_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Delivery headers; several secrets (a rotation's overlap) give one space-separated
    ``v1,…`` signature each, and a receiver accepts the delivery if any one verifies."""
    ts = int(time.time()) if timestamp is None else timestamp
    keys = [secret] if isinstance(secret, str) else list(secret)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(sign(key, event_id, ts, body) for key in keys),
        "content-type": "application/json",
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str], tolerance_s: int = TOLERANCE_S) -> bool:
    """True when one of the signatures matches and the timestamp is within ``tolerance_s``.

    ``tolerance_s`` may only narrow the standard's five minutes (the library enforces those);
    a wider window raises ValueError rather than silently verifying less than asked."""
    if tolerance_s > TOLERANCE_S:
        raise ValueError(f"tolerance_s may be at most {TOLERANCE_S} s (the Standard Webhooks window)")
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        if abs(time.time() - int(lower["webhook-timestamp"])) > tolerance_s:
            return False
        _webhook(secret).verify(body, lower, json_parse=False)
    except (KeyError, WebhookVerificationError, ValueError):  # ValueError: malformed header or non-UTF-8 body
        return False
    return True
