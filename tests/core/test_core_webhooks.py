"""Standard Webhooks signing/verification: the spec's test vector and reelforge's secret formats."""

from __future__ import annotations

import secrets
import time

import pytest
from standardwebhooks.webhooks import Webhook

from reelforge.standard_webhooks import headers_for, sign, verify

# The test vector published with the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_spec_vector() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE


def test_a_receiver_using_the_reference_library_accepts_our_deliveries() -> None:
    secret = "whsec_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")  # standard base64
    body = '{"status":"COMPLETED","note":"ü"}'.encode()
    assert Webhook(secret).verify(body, headers_for(secret, "evt_1", body)) == {"status": "COMPLETED", "note": "ü"}


@pytest.mark.parametrize(
    "secret",
    ["whsec_" + secrets.token_urlsafe(24), "whsec_not base64!", SPEC_SECRET],
    ids=["url-safe-random", "not-base64", "spec-vector"],  # stable ids: xdist workers collect the same tests
)
def test_verify_accepts_fresh_deliveries_and_rejects_tampering(secret: str) -> None:
    body = b'{"request_id":"r1"}'
    headers = headers_for(secret, "evt_1", body)
    assert verify(secret, body, headers)
    assert verify(secret, body, {k.upper(): v for k, v in headers.items()})  # header names are case-insensitive
    rotated = {**headers, "webhook-signature": "v1,b2xkLXNpZ25hdHVyZQ== " + headers["webhook-signature"]}
    assert verify(secret, body, rotated)  # any of several signatures may match
    assert not verify(secret, body + b" ", headers)
    assert not verify("whsec_" + secrets.token_urlsafe(24), body, headers)
    assert not verify(secret, body, {**headers, "webhook-signature": "malformed"})
    assert not verify(secret, body, {k: v for k, v in headers.items() if k != "webhook-id"})


def test_verify_rejects_stale_timestamps_and_honours_a_narrower_window() -> None:
    secret, body = SPEC_SECRET, b"{}"
    now = int(time.time())
    assert not verify(secret, body, headers_for(secret, "evt_1", body, timestamp=now - 301))
    assert not verify(secret, body, headers_for(secret, "evt_1", body, timestamp=now + 301))
    minute_old = headers_for(secret, "evt_1", body, timestamp=now - 61)
    assert verify(secret, body, minute_old)
    assert not verify(secret, body, minute_old, tolerance_s=60)
    with pytest.raises(ValueError, match="at most 300"):
        verify(secret, body, minute_old, tolerance_s=600)
