"""``POST /v2/credits/grant`` (api/routers/credit_grants.py): credits move from the account's wallet to one of
its external users, atomically; over-balance grants are a 402, other accounts' users a 404, external users'
own credentials a 403, and bad input a 400 naming the field — none of them moving a credit."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import httpx

from support import ReelforgeServer
from support.platform_flows import external_session, identity

GRANT = "/v2/credits/grant"


def _balances(c: httpx.Client, user: dict[str, str]) -> tuple[int, int]:
    """(the account's balance, the external user's)."""
    mine = c.get("/v1/credits").json()["remainingCredits"]
    theirs = c.get("/v1/external_users/credits", params=user).json()["remainingCredits"]
    return mine, theirs


def _ledger_rows(server: ReelforgeServer) -> int:
    with closing(sqlite3.connect(server.data_dir / "reelforge.db")) as db:
        return int(db.execute("SELECT COUNT(*) FROM ledger_entries").fetchone()[0])


def _users_named(server: ReelforgeServer, unique_key: str) -> int:
    with closing(sqlite3.connect(server.data_dir / "reelforge.db")) as db:
        return int(db.execute("SELECT COUNT(*) FROM external_users WHERE unique_key = ?", (unique_key,)).fetchone()[0])


def _platform(server: ReelforgeServer, name: str, credits: int = 1000) -> tuple[str, dict[str, str], dict[str, Any]]:
    key = server.new_key(credits=credits, name=f"grants-{name}")
    user = identity(name, provider="grants")
    with server.client(key) as c:
        session = external_session(c, user)
    return key, user, session


def test_grant_moves_credits_and_both_balances_show_it(platform_server: ReelforgeServer) -> None:
    key, user, _ = _platform(platform_server, "ada")
    with platform_server.client(key) as c:
        # samsar-js grantV2Credits(300, {externalUser: {unique_key}}): the key flattened beside ``input``.
        r = c.post(GRANT, json={"input": {"credits": 300}, "unique_key": user["unique_key"]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["creditsGranted"], body["remainingCredits"], body["internalRemainingCredits"]) == (300, 300, 700)
        assert body["external_user"]["unique_key"] == user["unique_key"] == body["externalUser"]["unique_key"]
        assert (r.headers["x-credits-charged"], r.headers["x-credits-remaining"]) == ("0", "700")
        assert _balances(c, user) == (700, 300)
        # with a provider samsar-js nests the identity; the recipient may also sit inside ``input``
        assert c.post(GRANT, json={"input": {"credits_to_grant": 50, "note": "welcome"},
                                   "external_user": user}).json()["remainingCredits"] == 350
        assert c.post(GRANT, json={"input": {"creditsToGrant": 25, "external_user_id": user["external_user_id"]}}
                      ).json()["internalRemainingCredits"] == 625
        assert _balances(c, user) == (625, 375)
        account_log = c.get("/v2/user/usage/logs", params={"limit": 10}).json()["items"]
        user_log = c.get("/v2/user/usage/logs", params={**user, "limit": 10}).json()["items"]
    assert [i["credits"] for i in account_log[:3]] == [-25, -50, -300]
    assert [(i["source"], i["credits"]) for i in user_log[:3]] == [("grant", 25), ("grant", 50), ("grant", 300)]
    assert "welcome" in user_log[1]["metadata"]["note"] and "welcome" in account_log[1]["metadata"]["note"]


def test_over_balance_is_402_and_moves_nothing(platform_server: ReelforgeServer) -> None:
    key, user, _ = _platform(platform_server, "bea", credits=100)
    with platform_server.client(key) as c:
        before = _ledger_rows(platform_server)
        r = c.post(GRANT, json={"input": {"credits": 101}, "unique_key": user["unique_key"]})
        assert r.status_code == 402, r.text
        assert r.json()["remainingCredits"] == 100
        assert _balances(c, user) == (100, 0)
        assert _ledger_rows(platform_server) == before


def test_concurrent_grants_never_overdraw(platform_server: ReelforgeServer) -> None:
    """Ten grants of 150 racing on 1000 credits: six move, four are 402s, and the balances add up."""
    key, user, _ = _platform(platform_server, "cy")

    def one(_: int) -> int:
        with platform_server.client(key) as c:
            return c.post(GRANT, json={"input": {"credits": 150}, "unique_key": user["unique_key"]}).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(one, range(10)))
    assert statuses == [200] * 6 + [402] * 4
    with platform_server.client(key) as c:
        assert _balances(c, user) == (100, 900)


def test_other_accounts_users_and_unknown_users_are_404(platform_server: ReelforgeServer) -> None:
    key, user, _ = _platform(platform_server, "dot")
    mallory = platform_server.new_key(credits=1000, name="grants-mallory")
    with platform_server.client(mallory) as c:
        for body in ({"input": {"credits": 10}, "unique_key": user["unique_key"]},
                     {"input": {"credits": 10}, "external_user": user}):
            r = c.post(GRANT, json=body)
            assert r.status_code == 404 and r.json()["field"] == "external_user", r.text
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000
    with platform_server.client(key) as c:
        r = c.post(GRANT, json={"input": {"credits": 10}, "unique_key": "grants:nobody"})
        assert r.status_code == 404, r.text
        assert _balances(c, user) == (1000, 0)
    assert _users_named(platform_server, "grants:nobody") == 0  # a grant never creates a user
    assert _users_named(platform_server, user["unique_key"]) == 1  # nor a copy in mallory's account


def test_external_users_own_credentials_cannot_grant(platform_server: ReelforgeServer) -> None:
    key, user, session = _platform(platform_server, "eve")
    _, _, other = _platform(platform_server, "fay")
    with platform_server.client(session["external_api_key"]) as c:
        for body in ({"input": {"credits": 10}}, {"input": {"credits": 10}, "unique_key": user["unique_key"]}):
            r = c.post(GRANT, json=body)
            assert r.status_code == 403 and r.json()["field"] == "Authorization", r.text
    with platform_server.client(key) as c:  # the platform key narrowed to the user by the header is the user
        r = c.post(GRANT, json={"input": {"credits": 10}, "unique_key": user["unique_key"]},
                   headers={"x-external-user-api-key": session["external_api_key"]})
        assert r.status_code == 403, r.text
        assert _balances(c, user) == (1000, 0)
    with platform_server.client(other["external_api_key"]) as c:
        assert c.post(GRANT, json={"input": {"credits": 10}, "unique_key": user["unique_key"]}).status_code == 403


def test_bad_input_is_400_naming_the_field(platform_server: ReelforgeServer) -> None:
    key, user, _ = _platform(platform_server, "gus")
    cases = [
        ({"input": {"credits": 0}, "unique_key": user["unique_key"]}, "credits"),
        ({"input": {"credits": 2.5}, "unique_key": user["unique_key"]}, "credits"),
        ({"input": {"credits": "lots"}, "unique_key": user["unique_key"]}, "credits"),
        ({"input": {}, "unique_key": user["unique_key"]}, "credits"),
        ({"input": {"credits": 10_000_001}, "unique_key": user["unique_key"]}, "credits"),
        ({"input": {"credits": 10}}, "external_user"),
        ({"input": {"credits": 10}, "external_user": {"provider": "grants"}}, "external_user"),
        ({"input": {"credits": 10, "note": "x" * 201}, "unique_key": user["unique_key"]}, "note"),
    ]
    with platform_server.client(key) as c:
        before = _ledger_rows(platform_server)
        for body, field in cases:
            r = c.post(GRANT, json=body)
            assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
        assert _ledger_rows(platform_server) == before
        assert _balances(c, user) == (1000, 0)


def test_a_retried_grant_with_its_idempotency_key_moves_credits_once(platform_server: ReelforgeServer) -> None:
    key, user, _ = _platform(platform_server, "hal")
    body = {"input": {"credits": 40}, "unique_key": user["unique_key"]}
    with platform_server.client(key) as c:
        first = c.post(GRANT, json=body, headers={"Idempotency-Key": "grant-hal-1"})
        again = c.post(GRANT, json=body, headers={"Idempotency-Key": "grant-hal-1"})
        assert first.status_code == again.status_code == 200, again.text
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert _balances(c, user) == (960, 40)
        other = c.post(GRANT, json={**body, "input": {"credits": 41}}, headers={"Idempotency-Key": "grant-hal-1"})
        assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
        # a refused grant leaves its key free for the corrected retry
        assert c.post(GRANT, json={**body, "input": {"credits": 5000}},
                      headers={"Idempotency-Key": "grant-hal-2"}).status_code == 402
        assert c.post(GRANT, json=body, headers={"Idempotency-Key": "grant-hal-2"}).status_code == 200
        assert _balances(c, user) == (920, 80)
