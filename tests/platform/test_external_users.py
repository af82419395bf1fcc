"""External users: their own wallet and library, extreq_ ids, and isolation from everyone else over every
route of /openapi.json that takes an id."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from support import ReelforgeServer, wait_status
from support.media import png_bytes
from support.platform_flows import expire, external_session, identity, login

VIDEO = {"prompt": "A sleek teaser for a futuristic running shoe", "duration": 5, "image_model": "LOCAL",
         "video_model": "LOCAL"}
ID_NAMES = {"request_id", "session_id", "template_id", "videoSessionId", "checkoutSessionId"}
# Routes that name an external user rather than an id: probed with the victim's identity. An external user's
# own credential may never grant (403, whoever it names); another account does not find the user (404).
USER_ROUTES = {("POST", "/v2/credits/grant"): {"input": {"credits": 1}}}


@pytest.fixture(scope="module")
def story(platform_server: ReelforgeServer) -> dict[str, Any]:
    """A platform with two external users; the first one's completed render."""
    key = platform_server.new_key(credits=1000, name="platform")
    alice, bob = identity("alice"), identity("bob")
    with platform_server.client(key) as c:
        alice_session = external_session(c, alice, grant=5000)
        bob_session = external_session(c, bob, grant=5000)
        r = c.post("/v1/external_users/text_to_video", json={"external_user": alice, "input": VIDEO})
        assert r.status_code == 200, r.text
        rid = r.json()["request_id"]
        # getExternalStatus sends no external user: the platform key alone resolves the extreq_ id.
        done = wait_status(c, rid, timeout=240, path="/v1/external_users/status")
        assert done["status"] == "COMPLETED", done
        paid = c.post("/v1/external_users/credits/recharge", json={"external_user": alice, "input": {"credits": 100}})
        assert paid.status_code == 200, paid.text
    return {"key": key, "alice": alice, "bob": bob, "rid": rid, "charged": int(r.headers["x-credits-charged"]),
            "remaining": int(r.headers["x-credits-remaining"]), "result_url": done["result_url"],
            "alice_key": alice_session["external_api_key"], "bob_key": bob_session["external_api_key"],
            "payment": paid.json()["checkoutSessionId"]}


def test_charges_go_to_the_external_users_wallet(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    assert story["rid"].startswith("extreq_")
    assert story["charged"] > 0 and story["remaining"] == 5000 - story["charged"]
    with platform_server.client(story["key"]) as c:
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000  # the account's own balance is untouched
        mine = c.get("/v1/external_users/credits", params=story["alice"]).json()
        assert mine["remainingCredits"] == story["remaining"]
        theirs = c.get("/v1/external_users/credits", params=story["bob"]).json()
        assert theirs["remainingCredits"] == 5000
    with platform_server.client(None) as c:
        headers = {"x-external-user-api-key": story["alice_key"]}
        assert c.get("/v1/credits", headers=headers).json()["remainingCredits"] == story["remaining"]


def test_an_external_user_cannot_grant_itself(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    with platform_server.client(story["alice_key"]) as c:
        r = c.post("/v1/external_users/credits/grant", json={"input": {"credits": 10}})
        assert r.status_code == 401


def test_library_archive_and_auth_token(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    with platform_server.client(story["key"]) as c:
        lib = c.get("/v1/external_users/requests", params=story["alice"]).json()["requests"]
        assert [r["request_id"] for r in lib] == [story["rid"]]
        assert c.get("/v1/external_users/requests", params=story["bob"]).json()["requests"] == []
        auth = login(c, story["alice"])["authToken"]
    with platform_server.client(auth) as c:  # the README: the auth token is the SDK apiKey of the user
        assert [r["request_id"] for r in c.get("/v1/external_users/requests").json()["requests"]] == [story["rid"]]
        prompt = c.post("/v1/external_users/assistant/set_system_prompt", json={"system_prompt": "Be brief."})
        assert prompt.json()["system_prompt"] == "Be brief."
        assert c.get("/v1/status", params={"request_id": story["rid"]}).json()["status"] == "COMPLETED"
        assert c.get("/v2/status", params={"request_id": story["rid"]}).json()["status"] == "COMPLETED"
        # The account's own settings are not an external user's to see or change.
        assert c.get("/v1/api_keys").status_code == 403
        assert c.post("/v1/webhooks/secret").status_code == 403


def _probe_body(rid: str, user: dict[str, str]) -> dict[str, Any]:
    """A body any id-taking POST route accepts apart from the id: the victim's id under every name, acting
    as the attacker's own external user where a route needs one."""
    png = "data:image/png;base64," + base64.b64encode(png_bytes(64, 64)).decode()
    return {"external_user": user, "source_id": "1", "request_id": rid, "session_id": rid, "videoSessionId": rid,
            "template_id": rid, "video_session_ids": [rid, rid], "language": "es", "cta_text": "Shop",
            "cta_url": "https://example.com", "outro_image_url": png, "image_url": png,
            "records": [{"id": "1", "text": "x"}], "search_term": "x", "query": "x", "layer_indexes": [1],
            "input": "x", "prompt": "x", "duration": 10, "image_model": "GPTIMAGE2", "video_model": "RUNWAYML",
            "num_levels": 1}


def _id_routes(c: httpx.Client) -> list[tuple[str, str]]:
    """(method, path) of every route in /openapi.json whose query or body names an id."""
    spec = c.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    found = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            params = {p["name"] for p in op.get("parameters", [])}
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            props = set(schemas.get(ref.get("$ref", "").rsplit("/", 1)[-1], {}).get("properties", {}))
            if (params | props) & (ID_NAMES | {"video_session_ids"}):
                found.append((method.upper(), path))
    return found


def _attempt(c: httpx.Client, method: str, path: str, rid: str, user: dict[str, str], payment: str
             ) -> httpx.Response:
    path = re.sub(r"\{[^}]+\}", rid, path)  # /v2/video/step/{request_id}/status names the id in its path
    if method == "GET":
        return c.get(path, params={"request_id": rid, "session_id": rid, "template_id": rid,
                                   "checkoutSessionId": payment})
    return c.request(method, path, json=_probe_body(rid, user))


def _refused(path: str, r: httpx.Response, allowed: set[int]) -> bool:
    """Whether ``r`` refuses the id the way this route documents."""
    if r.status_code in allowed:
        return True
    if 404 not in allowed:
        return False
    if path.endswith("fetch_latest_version"):  # video-api.txt: another owner's session is a 403
        return r.status_code == 403
    if path.endswith("translate_video"):  # video-api.txt: an unknown session is a 400
        return r.status_code == 400 and "No request with id" in r.text
    if path == "/v2/text_to_interactive_video":  # session_id names a draft (24 hex), never a request id
        return r.status_code == 400 and r.json().get("field") == "session_id"
    if path == "/v1/credits/ledger":  # request_id filters the caller's own entries: none
        return r.status_code == 200 and r.json()["entries"] == []
    if path == "/v1/webhooks/attempts":  # request_id filters the caller's own deliveries: none
        return r.status_code == 200 and r.json()["attempts"] == []
    return False


def test_isolation_over_every_id_route(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    rid = story["rid"]
    other_account = platform_server.new_key(credits=100_000)
    with platform_server.client(story["key"]) as c:
        routes = _id_routes(c)
        revoked = login(c, story["alice"])
    with platform_server.client(None) as anon:  # reusing the refresh token revokes the family's auth token
        anon.post("/v2/user/refresh_token", json={"refreshToken": revoked["refreshToken"]})
        anon.post("/v2/user/refresh_token", json={"refreshToken": revoked["refreshToken"]})
    with platform_server.client(story["key"]) as c:
        expired = login(c, story["alice"])["authToken"]
    expire(platform_server, expired[: len("rf_auth_") + 4])
    assert len(routes) >= 10, routes
    principals = {
        "another account": (other_account, identity("mallory"), {404}),
        "another external user": (story["bob_key"], story["bob"], {404}),
        "revoked credential": (revoked["authToken"], story["alice"], {401}),
        "expired credential": (expired, story["alice"], {401}),
    }
    wrong = []
    for who, (token, user, allowed) in principals.items():
        with platform_server.client(token) as c:
            for method, path in routes:
                r = _attempt(c, method, path, rid, user, story["payment"])
                if not _refused(path, r, allowed) or story["result_url"] in r.text:
                    wrong.append((who, method, path, r.status_code, r.text[:200]))
            for (method, path), body in USER_ROUTES.items():
                r = c.request(method, path, json={**body, "external_user": story["alice"]})
                if r.status_code not in (allowed if who != "another external user" else {403}):
                    wrong.append((who, method, path, r.status_code, r.text[:200]))
    assert not wrong, "\n".join(map(str, wrong))
    with platform_server.client(story["alice_key"]) as c:  # and the owner still gets it
        assert c.get("/v1/status", params={"request_id": rid}).json()["result_url"] == story["result_url"]
        assert c.get("/v1/credits").json()["remainingCredits"] == story["remaining"]  # no refused grant landed


def test_usage_logs_and_request_lists_are_per_wallet(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    with platform_server.client(None) as c:
        alice = {"x-external-user-api-key": story["alice_key"]}
        logs = c.get("/v2/user/usage/logs", params={"page": 1, "pageSize": 1}, headers=alice).json()
        assert logs["pagination"]["totalItems"] >= 2 and logs["pagination"]["hasNextPage"] is True
        everything = c.get("/v2/user/usage/logs", params={"limit": 200}, headers=alice).json()["items"]
        assert {"grant", "charge"} <= {i["source"] for i in everything}
        assert any(i["metadata"]["request_id"] == story["rid"] for i in everything)
        assert story["rid"] in [r["request_id"] for r in c.get("/v2/requests", headers=alice).json()["requests"]]
        bob = {"x-external-user-api-key": story["bob_key"]}
        assert [i["source"] for i in c.get("/v2/user/usage/logs", headers=bob).json()["items"]] == ["grant"]
        assert c.get("/v2/requests", headers=bob).json()["requests"] == []


def test_v2_routes_act_for_the_external_user(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    """main's /v2 routes go through the same JobCall: an external user's credential charges their wallet and
    gets an extreq_ id; another external user cannot cancel it; /v2/session says who is calling."""
    with platform_server.client(story["alice_key"]) as c:
        me = c.post("/v2/session").json()
        assert me["account_type"] == "external" and me["externalUser"]["external_user_id"] == "alice"
        r = c.post("/v2/text_to_video", json={"prompt": "A quiet lake at dawn", "duration": 5})
        assert r.status_code == 200, r.text
        rid = r.json()["request_id"]
        assert rid.startswith("extreq_") and int(r.headers["x-credits-remaining"]) == me["remainingCredits"] - int(
            r.headers["x-credits-charged"])
    with platform_server.client(story["bob_key"]) as c:
        assert c.post("/v2/cancel_render", json={"session_id": rid}).status_code == 404
        assert c.get("/v2/status_detailed", params={"request_id": rid}).status_code == 404
    with platform_server.client(story["alice_key"]) as c:  # the owner may (unless it raced to completion)
        cancel = c.post("/v2/cancel_render", json={"session_id": rid})
        assert cancel.status_code == 200 or "already COMPLETED" in cancel.text, cancel.text


def test_main_routes_act_for_the_external_user(platform_server: ReelforgeServer, story: dict[str, Any]) -> None:
    """The progress stream, ``Prefer: wait`` status and ``quote_only`` answer for the external user's own
    request and wallet (another user's 404s are in the isolation test above)."""
    with platform_server.client(story["alice_key"], timeout=60) as c:
        with c.stream("GET", f"/v1/requests/{story['rid']}/events") as r:
            assert r.status_code == 200
            kinds = [line.split(":", 1)[1].strip() for line in r.iter_lines() if line.startswith("event:")]
        assert kinds[0] == "accepted" and kinds[-1] == "completed", kinds
        waited = c.get("/v1/status", params={"request_id": story["rid"]}, headers={"Prefer": "wait=5"})
        assert waited.json()["status"] == "COMPLETED"
        balance = c.get("/v1/credits").json()["remainingCredits"]
        quote = c.post("/v1/video/text_to_video", json={"input": VIDEO, "quote_only": True})
        assert quote.status_code == 200, quote.text
        assert quote.json()["remainingCredits"] == balance and quote.json()["creditsCharged"] == 0
        assert quote.json()["sufficient"] is (balance >= quote.json()["credits"])
        assert c.get("/v1/credits").json()["remainingCredits"] == balance  # nothing charged
