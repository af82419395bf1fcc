"""Publications: only the owner publishes, edits or revokes; the public feed pages by cursor, newest first."""

from __future__ import annotations

import pytest

from support import ReelforgeServer, wait_status
from support.platform_flows import external_session, identity

VIDEO = {"prompt": "A calm morning coffee ritual", "duration": 5, "image_model": "LOCAL", "video_model": "LOCAL"}


def test_publish_edit_revoke_and_feed(platform_server: ReelforgeServer) -> None:
    key = platform_server.new_key(credits=100_000, name="publisher")
    carol, dave = identity("carol"), identity("dave")
    with platform_server.client(key) as c:
        dave_key = external_session(c, dave)["external_api_key"]
        external_session(c, carol, grant=20_000)
        first = c.post("/v1/external_users/text_to_video", json={"external_user": carol, "input": VIDEO}).json()
        assert wait_status(c, first["request_id"], timeout=240)["status"] == "COMPLETED"
        clones = [c.post("/v1/video/clone", json={"session_id": first["request_id"], "external_user": carol}).json()
                  for _ in range(2)]
        sessions = [first["request_id"], *(x["request_id"] for x in clones)]
        for sid in sessions[1:]:
            assert wait_status(c, sid, timeout=240)["status"] == "COMPLETED"
    with platform_server.client(dave_key) as c:  # another external user of the same account
        r = c.post("/v1/publications/publish", json={"session_id": sessions[0], "title": "mine now"})
        assert r.status_code == 404
    with platform_server.client(platform_server.new_key()) as c:  # another account
        assert c.post("/v1/publications/publish", json={"session_id": sessions[0]}).status_code == 404
    with platform_server.client(key) as c:
        pending = c.post("/v1/external_users/text_to_video", json={"external_user": carol, "input": VIDEO}).json()
        assert c.post("/v1/publications/publish", json={"session_id": pending["request_id"]}).status_code == 400
        for n, sid in enumerate(sessions):
            r = c.post("/v1/external_users/publish", json={"request_id": sid, "title": f"Coffee {n}",
                                                           "tags": "coffee, morning", "external_user": carol})
            assert r.status_code == 200, r.text
            assert r.json()["publication"]["tags"] == ["coffee", "morning"]
        edited = c.post("/v1/publications/edit", json={"session_id": sessions[0], "description": "Slow pour"})
        assert edited.json()["title"] == "Coffee 0" and edited.json()["description"] == "Slow pour"
    feed = platform_server.client(None)
    pages, cursor = [], None
    while True:
        page = feed.get("/v1/publications/feed", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        pages.append([p["session_id"] for p in page["publications"]])
        cursor = page["nextCursor"]
        if not cursor:
            break
    seen = [sid for page in pages for sid in page]
    assert seen[:3] == sessions[::-1] and len(seen) == len(set(seen))
    assert feed.get("/v1/publications/feed", params={"cursor": "not a cursor!"}).status_code == 400
    with platform_server.client(dave_key) as c:
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).status_code == 404
    with platform_server.client(key) as c:
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).json()["revoked"] is True
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).status_code == 404
    after = [p["session_id"] for p in feed.get("/v1/publications/feed", params={"limit": 100}).json()["publications"]]
    assert sessions[1] not in after and sessions[0] in after
    feed.close()


@pytest.mark.parametrize("path", ["/v1/publications/feed"])
def test_feed_needs_no_auth(platform_server: ReelforgeServer, path: str) -> None:
    with platform_server.client(None) as c:
        assert c.get(path).status_code == 200
