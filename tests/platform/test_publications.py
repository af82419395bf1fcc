"""Publications: only the owner publishes, edits or revokes; the public feed pages by cursor, newest first; the
gallery finds publications by content, recommends, counts views and forgets revoked ones."""

from __future__ import annotations

from typing import Any

import httpx
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
    pubs = {p["session_id"]: p for p in feed.get("/v1/publications/feed", params={"limit": 100}).json()["publications"]}
    with platform_server.client(key) as c:
        # Found by what the session is about (its prompt and narration), not by its title ("Coffee n") or tags.
        found = _search(c, "a calm ritual")
        assert {pubs[sid]["id"] for sid in sessions} <= found
        _gallery_views_and_recommendations(c, [pubs[sid]["id"] for sid in sessions], pubs[sessions[0]])
    with platform_server.client(dave_key) as c:
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).status_code == 404
    with platform_server.client(key) as c:
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).json()["revoked"] is True
        assert c.post("/v1/publications/revoke", json={"session_id": sessions[1]}).status_code == 404
        assert pubs[sessions[1]]["id"] not in _search(c, "a calm ritual")
        assert pubs[sessions[0]]["id"] in _search(c, "a calm ritual")
    after = [p["session_id"] for p in feed.get("/v1/publications/feed", params={"limit": 100}).json()["publications"]]
    assert sessions[1] not in after and sessions[0] in after
    assert feed.get(f"/v1/interactive_publications/{pubs[sessions[1]]['id']}").status_code == 404
    listed = feed.get("/v1/interactive_publications", params={"limit": 200}).json()
    assert pubs[sessions[0]]["id"] in {p["id"] for p in listed["items"]} and listed["hasMore"] is False
    one = feed.get(f"/v1/interactive_publications/{pubs[sessions[0]]['id']}").json()["publication"]
    (path,) = one["manifest"]["outputs"]["paths"]
    assert path["contentUrl"] == one["mainVideoUrl"] == pubs[sessions[0]]["video_url"] and path["duration"] > 0
    assert one["manifest"]["tree"]["choice_points"] == [] and one["title"] == "Coffee 0"
    feed.close()


def _search(c: httpx.Client, query: str, **extra: str) -> set[str]:
    r = c.post("/v2/gallery/search", json={"query": query, "limit": 20, **extra})
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


def _gallery_views_and_recommendations(c: httpx.Client, ids: list[str], first: dict[str, Any]) -> None:
    fmt = {"16:9": "landscape", "9:16": "portrait", "1:1": "square"}[first["aspect_ratio"]]
    other = next(f for f in ("landscape", "portrait") if f != fmt)
    assert first["id"] in _search(c, "a calm ritual", format=fmt)
    assert first["id"] not in _search(c, "a calm ritual", format=other)
    view = {"publication_id": first["id"], "viewer_id": "viewer-1"}
    r = c.post("/v2/gallery/events/view", json=view).json()
    assert (r["countedView"], r["uniqueView"], r["completed"]) == (True, True, False)
    again = c.post("/v2/gallery/events/view", json=view).json()  # a reload within the window counts once
    assert (again["countedView"], again["uniqueView"], again["stats"]["views"]) == (False, False, 1)
    done = c.post("/v2/gallery/events/view", json={**view, "event_type": "complete", "watch_time_ms": 5000}).json()
    assert done["completed"] is True and done["stats"]["watchTimeMs"] == 5000
    similar = c.post("/v2/gallery/recommendations", json={"publication_id": first["id"]}).json()
    assert similar["reason"] == "similar_to_current" and first["id"] not in {i["id"] for i in similar["items"]}
    assert set(ids[1:]) <= {i["id"] for i in similar["items"]}
    mine = c.post("/v2/gallery/recommendations", json={"viewer_id": "viewer-1"}).json()
    assert (mine["reason"], mine["personalized"]) == ("based_on_watch_history", True)
    assert first["id"] not in {i["id"] for i in mine["items"]} and set(ids[1:]) <= {i["id"] for i in mine["items"]}
    popular = c.post("/v2/gallery/recommendations", json={"viewer_id": "someone-new"}).json()
    assert popular["reason"] == "popular_now" and popular["items"][0]["id"] == first["id"]
    assert popular["items"][0]["stats"]["views"] == 1
    # Every publication was indexed as it was published or edited: a sync finds nothing changed, then is fresh.
    synced = c.post("/v2/gallery/sync", json={}).json()
    assert (synced["status"], synced["indexed"], synced["failed"]) == ("complete", 0, 0)
    assert c.post("/v2/gallery/publications/update_embeddings", json={}).json()["refreshed"] is False
    forced = c.post("/v2/gallery/sync", json={"force": True}).json()
    assert forced["indexed"] == forced["totalAvailable"] >= len(ids)
    status = c.get("/v2/gallery/status").json()
    assert status["stale"] is False and status["indexedPublications"] == status["totalPublications"]
    assert c.post("/v2/gallery/events/view", json={"publication_id": "pub_missing"}).status_code == 404


@pytest.mark.parametrize("path", ["/v1/publications/feed", "/v1/interactive_publications"])
def test_feed_needs_no_auth(platform_server: ReelforgeServer, path: str) -> None:
    with platform_server.client(None) as c:
        assert c.get(path).status_code == 200
