"""Login tokens, auth tokens with refresh-token rotation, and app keys: single use, rotation, revocation."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from support import ReelforgeServer
from support.platform_flows import expire, external_session, identity, login

SECRET = "s" * 16 + "-a-long-enough-app-secret-0123"


def test_login_token_works_once_and_auth_token_acts_as_the_user(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=100)
    with platform_server.client(key) as c:
        token = c.post("/v1/create_login_token", json={}).json()["loginToken"]
        first = c.get("/users/verify_token", params={"loginToken": token})
        assert first.status_code == 200, first.text
        again = c.get("/users/verify_token", params={"loginToken": token})
        assert again.status_code == 401
    auth = first.json()["authToken"]
    with platform_server.client(auth) as c:
        assert c.get("/v1/credits").json()["remainingCredits"] == 100
        assert c.get("/users/verify_token").json()["valid"] is True


def test_a_browser_opening_a_login_link_is_sent_to_the_studio_unredeemed(platform_server: ReelforgeServer) -> None:
    """A person opens the loginUrl in a browser: the Studio redeems it (tests/studio), not the redirect, so a
    link previewer fetching the page cannot spend it; the token rides in the fragment, never sent to a server."""
    key = platform_server.new_key(credits=10)
    alice = identity("link-alice")
    with platform_server.client(key) as c:
        external_session(c, alice)
        url = c.post("/v1/external_users/create_login_token", json={"external_user": alice}).json()["loginUrl"]
    token = url.split("loginToken=")[1]
    with platform_server.client(None) as anon:
        page = anon.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert page.status_code == 303 and page.headers["location"] == f"/studio/#login={token}"
        redeemed = anon.get("/users/verify_token", params={"loginToken": token})
        assert redeemed.status_code == 200 and redeemed.json()["isExternalUser"] is True


def test_refresh_rotates_and_reuse_revokes_the_family(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=10)
    with platform_server.client(key) as c:
        first = login(c)
    with platform_server.client(None) as anon:
        second = anon.post("/v2/user/refresh_token", json={"refreshToken": first["refreshToken"]})
        assert second.status_code == 200, second.text
        pair = second.json()
        assert pair["refreshToken"] != first["refreshToken"] and pair["authToken"] != first["authToken"]
        with platform_server.client(pair["authToken"]) as fresh:
            assert fresh.get("/v1/credits").status_code == 200
        # The first refresh token again: a stolen copy. Everything of the family stops working.
        assert anon.post("/v2/user/refresh_token", json={"refreshToken": first["refreshToken"]}).status_code == 401
        assert anon.post("/v2/user/refresh_token", json={"refreshToken": pair["refreshToken"]}).status_code == 401
    for token in (first["authToken"], pair["authToken"]):
        with platform_server.client(token) as c:
            assert c.get("/v1/credits").status_code == 401


def test_app_key_secret_hashed_refresh_and_revoke(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=42)
    with platform_server.client(key) as c:
        short = c.post("/v2/users/app_key", json={"secret": "too-short"})
        assert short.status_code == 400 and short.json()["field"] == "secret"
        made = c.post("/v2/users/app_key", json={"secret": SECRET})
        assert made.status_code == 200, made.text
    app_key = made.json()["appKey"]
    with closing(sqlite3.connect(platform_server.data_dir / "reelforge.db")) as db:
        stored = db.execute("SELECT secret_hash, token_hash FROM credentials WHERE kind = 'app_key'").fetchall()
    assert stored and all(SECRET not in s and app_key not in t and s.startswith("scrypt$") for s, t in stored)

    def as_app(k: str, secret: str = SECRET) -> int:
        with platform_server.client(None) as anon:
            return anon.get("/v2/user/credits", headers={"Authorization": f"AppKey {k}",
                                                         "x-app-secret": secret}).status_code

    assert as_app(app_key) == 200
    assert as_app(app_key, SECRET[:-1] + "X") == 401
    with platform_server.client(None) as anon:
        rotated = anon.post("/v2/users/app_key/refresh", json={"app_key": app_key, "secret": SECRET})
        assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["appKey"]
    assert as_app(app_key) == 401 and as_app(new_key) == 200
    with platform_server.client(None) as anon:
        gone = anon.delete("/v2/users/app_key", headers={"Authorization": f"AppKey {new_key}", "x-app-secret": SECRET})
        assert gone.status_code == 200 and gone.json()["revoked"] == 1
    assert as_app(new_key) == 401  # revoked: fails at once


def test_expired_auth_token_and_external_key_fail(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=10)
    user = identity("expiry")
    with platform_server.client(key) as c:
        xkey = external_session(c, user)["external_api_key"]
        auth = login(c, user)["authToken"]
    for token in (xkey, auth):
        with platform_server.client(token) as c:
            assert c.get("/v1/credits").status_code == 200
        expire(platform_server, token[: token.index("_", 3) + 5])
        with platform_server.client(token) as c:
            assert c.get("/v1/credits").status_code == 401
