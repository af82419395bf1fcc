"""Payments: offline recharges confirmed by the operator, Stripe webhooks signed with the library's own helper
(replays grant once, forgeries are refused), and auto-recharge once per threshold crossing under a monthly cap."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest
import stripe

from support import FixtureHTTP, ReelforgeServer
from support.platform_flows import ADMIN_TOKEN, external_session, identity

WEBHOOK_SECRET = "whsec_platform_tests_0123456789abcdef"


def _confirm(server: ReelforgeServer, payment_id: str, token: str = ADMIN_TOKEN) -> httpx.Response:
    return httpx.post(server.base_url + "/v1/admin/payments/confirm", json={"payment_id": payment_id},
                      headers={"Authorization": f"Bearer {token}"})


def test_offline_recharge_is_pending_until_the_operator_confirms(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=0)
    with platform_server.client(key) as c:
        made = c.post("/v1/credits/recharge", json={"credits": 2500})
        assert made.status_code == 200, made.text
        ref = made.json()["checkoutSessionId"]
        assert made.json()["amountCents"] == 2500 and made.json()["status"] == "pending"
        assert c.get("/v1/payment_status", params={"checkoutSessionId": ref}).json()["status"] == "pending"
        assert _confirm(platform_server, ref, "wrong").status_code == 401
        assert _confirm(platform_server, ref).json()["granted"] is True
        assert _confirm(platform_server, ref).json()["granted"] is False  # once
        assert c.get("/v1/credits").json()["remainingCredits"] == 2500
        assert c.get("/v1/payment_status", params={"checkoutSessionId": ref}).json()["status"] == "succeeded"
        # and by the CLI command
        second = c.post("/v1/credits/recharge", json={"credits": 100}).json()["checkoutSessionId"]
        assert platform_server.cli("credits", "confirm", second)["granted"] is True
        assert c.get("/v1/credits").json()["remainingCredits"] == 2600
    with platform_server.client(platform_server.new_key()) as other:
        assert other.get("/v1/payment_status", params={"checkoutSessionId": ref}).status_code == 404


def _auto_payments(server: ReelforgeServer) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(server.data_dir / "reelforge.db")) as db:
        return db.execute("SELECT id, status FROM payments WHERE kind = 'auto_recharge' ORDER BY created_at").fetchall()


def test_auto_recharge_fires_once_per_crossing_within_the_monthly_cap(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=0)
    user = identity("autorecharge")
    with platform_server.client(key) as c:
        external_session(c, user, grant=600)
        on = c.post("/v1/enable_autorecharge", json={"external_user": user, "thresholdCredits": 500,
                                                     "amountUsd": 10, "maxMonthlyUsd": 20})
        assert on.status_code == 200 and on.json()["autoRechargeEnabled"] is True, on.text

        def charge(credits: int) -> int:
            r = c.post("/v1/external_users/utils/usage_charge", json={"external_user": user, "credits": credits})
            assert r.status_code == 200, r.text
            return int(r.headers["x-credits-remaining"])

        before = len(_auto_payments(platform_server))
        assert charge(200) == 400  # crosses 500: one recharge
        assert charge(50) == 350  # still below: the same crossing, nothing more
        fired = _auto_payments(platform_server)[before:]
        assert [s for _, s in fired] == ["pending"]
        assert _confirm(platform_server, fired[0][0]).json()["granted"] is True  # 350 + 1000, re-armed
        assert charge(900) == 450  # the second crossing: $20 this month, at the cap
        fired = _auto_payments(platform_server)[before:]
        assert len(fired) == 2
        _confirm(platform_server, fired[1][0])
        assert charge(1000) == 450  # a third crossing would pass the $20 cap: skipped
        assert len(_auto_payments(platform_server)[before:]) == 2
        run = c.post("/v1/auto_recharge/threshold", json={"external_user": user, "thresholdCredits": 500}).json()
        assert run["autoRechargeRun"]["reason"] == "monthly cap reached"


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(tmp_path_factory.mktemp("reelforge-stripe"), {
        "REELFORGE_PAYMENT_PROVIDER": "stripe", "REELFORGE_STRIPE_API_KEY": "sk_test_never_used_offline",
        "REELFORGE_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "REELFORGE_AUTH_FAILURES_PER_S": "0",
    })
    srv.start()
    yield srv
    srv.stop()


def _stripe_checkout(server: ReelforgeServer, key: str, credits: int) -> str:
    """What creating the Checkout Session stored (the Stripe API itself is not reachable from tests)."""
    session_id = f"cs_test_{time.time_ns()}"
    account = httpx.get(server.base_url + "/v1/credits", headers={"Authorization": f"Bearer {key}"}).json()
    with closing(sqlite3.connect(server.data_dir / "reelforge.db")) as db, db:
        db.execute(
            "INSERT INTO payments (id, account_id, provider, provider_ref, kind, credits, amount_cents, currency, "
            "status, created_at) VALUES (?, ?, 'stripe', ?, 'recharge', ?, ?, 'usd', 'pending', '2026-11-28')",
            (f"pay_{session_id[-12:]}", account["account_id"], session_id, credits, credits))
    return session_id


def _event(session_id: str) -> str:
    return json.dumps({"id": f"evt_{session_id}", "object": "event", "type": "checkout.session.completed",
                       "data": {"object": {"id": session_id, "object": "checkout.session", "payment_status": "paid",
                                           "status": "complete"}}})


def _post(server: ReelforgeServer, payload: str, signature: str) -> httpx.Response:
    return httpx.post(server.base_url + "/v1/payments/stripe/webhook", content=payload.encode(),
                      headers={"stripe-signature": signature, "content-type": "application/json"})


def test_stripe_webhook_grants_once_and_refuses_forgeries(stripe_server: ReelforgeServer) -> None:
    key = stripe_server.new_key(credits=0)
    session_id = _stripe_checkout(stripe_server, key, 1500)
    payload = _event(session_id)
    forged = stripe.WebhookSignature.generate_signature_header(payload, "whsec_someone_else")
    assert _post(stripe_server, payload, forged).status_code == 400
    signed = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    tampered = payload.replace(session_id, _stripe_checkout(stripe_server, key, 99))
    assert _post(stripe_server, tampered, signed).status_code == 400
    stale = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET, int(time.time()) - 3600)
    assert _post(stripe_server, payload, stale).status_code == 400
    results: list[Any] = [_post(stripe_server, payload, signed).json() for _ in range(3)]  # Stripe retries
    assert [r["granted"] for r in results] == [True, False, False]
    with stripe_server.client(key) as c:
        assert c.get("/v1/credits").json()["remainingCredits"] == 1500
        assert c.get("/v1/payment_status", params={"checkoutSessionId": session_id}).json()["status"] == "succeeded"


def test_v2_user_recharge_by_the_dollar_and_its_status(platform_server: ReelforgeServer) -> None:
    """samsar-js createV2UserRechargeCredits / getV2UserPaymentStatus: a dollar amount for the caller's wallet
    (an external user's when one is named), its status at /v2/user/payment_status, 404 for anyone else."""
    key = platform_server.new_key(credits=0)
    alice = identity("recharger-a")
    body = {"amount": 25.5, "email": "member@example.com", "redirect_url": "https://example.com/samsar/callback"}
    with platform_server.client(key) as c:
        made = c.post("/v2/user/recharge_credits", json=body)
        assert made.status_code == 200, made.text
        m = made.json()
        assert (m["credits"], m["amountCents"], m["amount"], m["status"]) == (2550, 2550, 25.5, "pending")
        assert m["redirectUrl"] == body["redirect_url"] and m["email"] == body["email"]
        ref = m["checkoutSessionId"]
        assert m["paymentStatusEndpoint"] == f"/v2/user/payment_status?checkoutSessionId={ref}"
        status = c.get("/v2/user/payment_status", params={"checkoutSessionId": ref})
        assert status.json() == c.get("/v1/payment_status", params={"checkoutSessionId": ref}).json()
        assert status.json()["status"] == "pending"
        assert _confirm(platform_server, ref).json()["granted"] is True
        assert c.get("/v2/user/payment_status", params={"checkoutSessionId": ref}).json()["status"] == "succeeded"
        assert c.get("/v1/credits").json()["remainingCredits"] == 2550
        # bad input names the field
        for bad, field in (({**body, "amount": 0}, "amount"), ({**body, "amount": 1.005}, "amount"),
                           ({**body, "email": "nobody"}, "email"),
                           ({**body, "redirect_url": "ftp://x"}, "redirect_url"),
                           ({"amount": 5, "email": "a@b.co"}, "redirect_url")):
            r = c.post("/v2/user/recharge_credits", json=bad)
            assert r.status_code == 400 and r.json()["field"] == field, (bad, r.text)
        assert c.get("/v2/user/payment_status", params={}).status_code == 400
        # acting for an external user: their wallet's payment, hidden from another external user
        alice_key = external_session(c, alice)["external_api_key"]
        theirs = c.post("/v2/user/recharge_credits", json={**body, "external_user": alice}).json()["checkoutSessionId"]
        # samsar-js's options.externalUser without a provider comes flattened into the body (withV2ExternalUser)
        flat = c.post("/v2/user/recharge_credits", json={**body, "unique_key": alice["unique_key"]})
        bob = external_session(c, identity("recharger-b"))["external_api_key"]
    with platform_server.client(alice_key) as c:
        for ref_ in (theirs, flat.json()["checkoutSessionId"]):
            assert c.get("/v2/user/payment_status", params={"checkoutSessionId": ref_}).status_code == 200
    with platform_server.client(bob) as c:
        assert c.get("/v2/user/payment_status", params={"checkoutSessionId": theirs}).status_code == 404
    with platform_server.client(platform_server.new_key()) as other:
        for ref_ in (ref, theirs):
            assert other.get("/v2/user/payment_status", params={"checkoutSessionId": ref_}).status_code == 404
    with platform_server.client(None) as anon:  # no self-service sign-up: a credential is needed
        assert anon.post("/v2/user/recharge_credits", json=body).status_code in (400, 401)
