"""Per-account webhook signing secrets: shown once, encrypted at rest, rotated with an overlap,
and each account's deliveries verify only with its own secret."""

from __future__ import annotations

import base64
import sqlite3
import stat
import uuid
from typing import Any

from reelforge.standard_webhooks import verify
from support import FixtureHTTP, ReelforgeServer, wait_for, wait_status

DEPLOYMENT_SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZWxmb3JnZQ=="  # tests/support.py's REELFORGE_WEBHOOK_SECRET


def _delivery(server: ReelforgeServer, fixture_http: FixtureHTTP, key: str, png: bytes) -> tuple[dict[str, str], bytes]:
    """Run one enhance with a webhook and return the delivery's headers and body."""
    path = f"/hook-{uuid.uuid4().hex}"
    fixture_http.routes[path] = lambda _h, _b: (204, {}, b"")
    body = {
        "image_url": "data:image/png;base64," + base64.b64encode(png).decode(),
        "webhookUrl": fixture_http.base_url + path,
    }
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json=body)
        assert r.status_code == 200, r.text
        wait_status(c, r.json()["request_id"])
    wait_for(lambda: any(p == path for p, _, _ in fixture_http.received), timeout=30)
    ((headers, payload),) = [(h, b) for p, h, b in fixture_http.received if p == path]
    return headers, payload


def _rotate(server: ReelforgeServer, key: str, **params: Any) -> dict[str, Any]:
    with server.client(key) as c:
        r = c.post("/v1/webhooks/secret", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["secret"].startswith("whsec_") and body["prefix"] == body["secret"][:12]
    return body


def test_each_account_verifies_only_with_its_own_secret(
    server: ReelforgeServer, fixture_http: FixtureHTTP, sample_png: bytes
) -> None:
    key_a, key_b, key_c = (server.new_key(credits=500, name=n) for n in ("a", "b", "c"))
    secret_a, secret_b = _rotate(server, key_a)["secret"], _rotate(server, key_b)["secret"]

    headers_a, body_a = _delivery(server, fixture_http, key_a, sample_png)
    headers_b, body_b = _delivery(server, fixture_http, key_b, sample_png)
    headers_c, body_c = _delivery(server, fixture_http, key_c, sample_png)
    assert verify(secret_a, body_a, headers_a) and not verify(secret_b, body_a, headers_a)
    assert verify(secret_b, body_b, headers_b) and not verify(secret_a, body_b, headers_b)
    assert not verify(DEPLOYMENT_SECRET, body_a, headers_a) and not verify(DEPLOYMENT_SECRET, body_b, headers_b)
    # An account that never created a secret keeps the deployment-wide one.
    assert verify(DEPLOYMENT_SECRET, body_c, headers_c) and not verify(secret_a, body_c, headers_c)

    # The secret is shown once: metadata never carries it, and the database holds only ciphertext.
    with server.client(key_a) as c:
        meta = c.get("/v1/webhooks/secret").json()
    assert meta["deployment_default"] is False and secret_a not in str(meta) and "secret" not in meta["signing"][0]
    assert [m["prefix"] for m in meta["signing"]] == [secret_a[:12]]
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        stored = [row[0] for row in db.execute("select encrypted from webhook_secrets")]
    assert stored and not any(secret_a[6:] in s or secret_b[6:] in s for s in stored)
    key_file = server.data_dir / "webhook_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_rotation_signs_with_both_secrets_during_the_overlap(
    server: ReelforgeServer, fixture_http: FixtureHTTP, sample_png: bytes
) -> None:
    key = server.new_key(credits=500, name="rotating")
    old = _rotate(server, key)["secret"]
    rotated = _rotate(server, key, overlap_seconds=3600)
    new = rotated["secret"]
    assert [m["prefix"] for m in rotated["signing"]] == [new[:12], old[:12]]
    headers, body = _delivery(server, fixture_http, key, sample_png)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(old, body, headers) and verify(new, body, headers)

    newest = _rotate(server, key, overlap_seconds=0)["secret"]  # an immediate cut-over (e.g. a leaked secret)
    headers, body = _delivery(server, fixture_http, key, sample_png)
    assert verify(newest, body, headers) and not verify(new, body, headers) and not verify(old, body, headers)
