"""The calling account's API keys (list, create, revoke) and its webhook attempts, through HTTP."""

from __future__ import annotations

import base64

import httpx

from support import FixtureHTTP, ReelforgeServer, wait_for, wait_status


def test_create_list_and_revoke_keys_of_the_calling_account(server: ReelforgeServer) -> None:
    first = server.new_key(credits=10)
    with server.client(first) as c:
        (listed,) = c.get("/v1/api_keys").json()["keys"]
        assert listed["active"] and listed["current"] and first.startswith(listed["prefix"])
        assert set(listed) == {"id", "prefix", "created_at", "revoked_at", "active", "current"}  # no hash, no key

        r = c.post("/v1/api_keys")
        assert r.status_code == 201, r.text
        new = r.json()
        assert new["api_key"].startswith(new["prefix"]) and new["active"] and not new["current"]

    # The new key works and sees the same account; the listing never shows a key again.
    with server.client(new["api_key"]) as c2:
        assert c2.get("/v1/credits").json()["credits"] == 10
        keys = c2.get("/v1/api_keys").json()["keys"]
        assert [k["id"] for k in keys] == [listed["id"], new["id"]]
        assert [k["current"] for k in keys] == [False, True]
        assert "api_key" not in keys[1]

        revoked = c2.delete(f"/v1/api_keys/{listed['id']}")
        assert revoked.status_code == 200 and not revoked.json()["active"] and revoked.json()["revoked_at"]
        again = c2.delete(f"/v1/api_keys/{listed['id']}")  # idempotent: the first revocation time stays
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]

    assert httpx.get(server.base_url + "/v1/credits", headers={"Authorization": f"Bearer {first}"}).status_code == 401


def test_keys_of_other_accounts_are_invisible_and_unrevocable(server: ReelforgeServer) -> None:
    owner, stranger = server.new_key(), server.new_key()
    with server.client(owner) as c:
        (owner_key,) = c.get("/v1/api_keys").json()["keys"]
    with server.client(stranger) as c:
        assert owner_key["id"] not in [k["id"] for k in c.get("/v1/api_keys").json()["keys"]]
        r = c.delete(f"/v1/api_keys/{owner_key['id']}")
        assert r.status_code == 404 and r.json()["field"] == "key_id"
        assert c.delete("/v1/api_keys/key_doesnotexist").status_code == 404
    with server.client(owner) as c:
        assert c.get("/v1/credits").status_code == 200  # still valid
    assert httpx.post(server.base_url + "/v1/api_keys").status_code == 400  # no key, no new key


def test_webhook_attempts_list_only_the_callers(
    server: ReelforgeServer, fixture_http: FixtureHTTP, sample_png: bytes
) -> None:
    fixture_http.routes["/hook-studio"] = lambda _h, _b: (204, {}, b"")
    owner, stranger = server.new_key(credits=100), server.new_key(credits=100)
    image = "data:image/png;base64," + base64.b64encode(sample_png).decode()
    with server.client(owner) as c:
        assert c.get("/v1/webhooks/attempts").json() == {"attempts": []}
        rid = c.post(
            "/v1/image/enhance", json={"image_url": image, "webhookUrl": fixture_http.base_url + "/hook-studio"}
        ).json()["request_id"]
        assert wait_status(c, rid)["status"] == "COMPLETED"
        wait_for(lambda: c.get("/v1/webhooks/attempts").json()["attempts"], timeout=30)
        (attempt,) = c.get("/v1/webhooks/attempts", params={"request_id": rid}).json()["attempts"]
        assert attempt["request_id"] == rid and attempt["status_code"] == 204 and attempt["delivered"]
        assert attempt["url"] == fixture_http.base_url + "/hook-studio" and attempt["attempt"] == 1
    with server.client(stranger) as c:
        assert c.get("/v1/webhooks/attempts").json() == {"attempts": []}
        assert c.get("/v1/webhooks/attempts", params={"request_id": rid}).json() == {"attempts": []}
