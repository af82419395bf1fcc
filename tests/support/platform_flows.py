"""Shared steps of the platform tests: external users, their credentials, and reading the server's database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import httpx

from support import ReelforgeServer

# The operator token of the platform tests' own server (tests/platform/conftest.py): imported from
# here, never `from conftest`, which names whichever conftest.py pytest imported last.
ADMIN_TOKEN = "admin-token-of-the-platform-tests-0123456789"


def identity(name: str, provider: str = "whop") -> dict[str, str]:
    return {"provider": provider, "unique_key": f"{provider}:{name}", "external_user_id": name, "username": name}


def external_session(c: httpx.Client, user: dict[str, str], grant: int = 0) -> dict[str, Any]:
    """Create the external user (samsar-js ``createExternalUserSession``) and grant it credits."""
    r = c.post("/v1/external_users/session", json={"external_user": user})
    assert r.status_code == 200, r.text
    if grant:
        g = c.post("/v1/external_users/credits/grant", json={"external_user": user, "input": {"credits": grant}})
        assert g.status_code == 200, g.text
        assert g.json()["remainingCredits"] == grant
    body: dict[str, Any] = r.json()
    return body


def login(c: httpx.Client, user: dict[str, str] | None = None) -> dict[str, Any]:
    """A login token for ``user`` (or the caller), exchanged at /users/verify_token."""
    if user is None:
        r = c.post("/v1/create_login_token", json={})
    else:
        r = c.post("/v1/external_users/create_login_token", json={"external_user": user})
    assert r.status_code == 200, r.text
    v = c.get("/users/verify_token", params={"loginToken": r.json()["loginToken"]})
    assert v.status_code == 200, v.text
    body: dict[str, Any] = v.json()
    return body


def expire(server: ReelforgeServer, token_prefix: str) -> None:
    """Move a credential's expiry into the past (what an hour's wait would do)."""
    with closing(sqlite3.connect(server.data_dir / "reelforge.db")) as db, db:
        n = db.execute("UPDATE credentials SET expires_at = '2000-01-01 00:00:00' WHERE prefix = ?",
                       (token_prefix,)).rowcount
    assert n == 1


def bearer(server: ReelforgeServer, token: str) -> httpx.Client:
    return server.client(token)
