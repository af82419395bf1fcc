"""/v2 video and image routes through HTTP: the same kinds as /v1 with v2's shapes, uploads, the
session route, and the detailed status whose layer previews download before the final video exists."""

from __future__ import annotations

import time
from typing import Any

import httpx

from support import ReelforgeServer, wait_status
from support.media import data_url, png_bytes, product_photo


def _detailed(c: httpx.Client, rid: str) -> dict[str, Any]:
    r = c.get("/v2/status_detailed", params={"request_id": rid, "session_id": rid})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _preview_before_final(c: httpx.Client, rid: str, timeout: float = 400) -> str:
    """Poll the detailed status while the request runs; the first layer preview URL that downloads
    while the request is still PENDING (no final video yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = _detailed(c, rid)
        assert body["status"] == "PENDING", "finished before a preview was seen"
        session = body["session"]
        assert body["status_detail_schema"] == "video_session_preview.v1"
        assert session["globalVideos"] == [] and session["result"]["url"] is None
        urls = [layer["preview"]["url"] for layer in session["layers"] if layer.get("preview")]
        if urls:
            got = httpx.get(urls[0], timeout=30)
            assert got.status_code == 200 and len(got.content) > 100
            return str(urls[0])
        time.sleep(0.1)
    raise TimeoutError("no layer preview appeared")


def test_upload_then_image_list_video_with_previews_and_session_ops(server: ReelforgeServer) -> None:
    key = server.new_key(credits=20_000)
    with server.client(key, timeout=120) as c:
        up = c.post("/v2/upload_image_data", json={"input": {"image_data": [product_photo(0, (480, 360)),
                                                                           product_photo(1, (480, 360))]}})
        assert up.status_code == 200, up.text
        urls = up.json()["image_urls"]
        assert len(urls) == 2 and all(httpx.get(u).status_code == 200 for u in urls)

        r = c.post("/v2/image_list_to_video", json={"input": {
            "image_urls": urls, "language": "en", "metadata": {"product": "linen shirt"},
            "externalUser": {"unique_key": "ignored-for-now"},
        }})
        assert r.status_code == 200, r.text
        accepted = r.json()
        rid = accepted["request_id"]
        assert accepted["sessionID"] == accepted["session_id"] == rid and int(r.headers["x-credits-charged"]) > 0

        preview_url = _preview_before_final(c, rid)
        final = wait_status(c, rid, timeout=400, path="/v2/status")
        assert final["status"] == "COMPLETED", final
        assert preview_url  # seen before the result existed

        done = _detailed(c, rid)["session"]
        assert done["previewStage"] == "video_generation" and done["globalVideos"][0]["url"] == final["result_url"]
        layers = done["layers"]
        assert len(layers) == 2 and layers[0]["startTime"] == 0 and layers[1]["startTime"] == layers[0]["endTime"]
        assert all(layer["preview"]["url"] for layer in layers)
        assert [a["connectedLayerIndex"] for a in done["audioLayers"]] == [0, 1]
        assert httpx.get(done["audioLayers"][0]["url"]).status_code == 200
        assert done["globalAudioLayers"][0]["type"] == "music"

        # Session operations on the v2 surface: the same kinds as /v1, answered with sessionID.
        clone = _op(c, "/v2/video/clone", {"videoSessionId": rid})
        footer = _op(c, "/v2/update_footer_image", {"videoSessionId": rid, "remove_footer": True})
        assert wait_status(c, clone, timeout=400, path="/v2/status")["status"] == "COMPLETED"
        joined = _op(c, "/v2/join_videos", {"session_ids": [rid, clone]})
        for op_id in (footer, joined):
            assert wait_status(c, op_id, timeout=400, path="/v2/status")["status"] == "COMPLETED", op_id


def _op(c: httpx.Client, route: str, body: dict[str, Any]) -> str:
    res = c.post(route, json={"input": body})
    assert res.status_code == 200, (route, res.text)
    assert res.json()["sessionID"] == res.json()["request_id"]
    return str(res.json()["request_id"])


def test_session_title_cancel_and_errors(server: ReelforgeServer) -> None:
    key = server.new_key(credits=5000)
    with server.client(key, timeout=120) as c:
        me = c.post("/v2/session", json={})
        assert me.status_code == 200 and me.json()["remainingCredits"] == 5000
        assert me.json()["account_type"] == "internal" and me.json()["user"]["id"]

        title = c.post("/v2/image/assign_title", json={"input": {"image_url": product_photo(3, (320, 240))}})
        assert title.status_code == 200, title.text
        assert title.json()["content"]

        r = c.post("/v2/text_to_video", json={"input": {"prompt": "A slow tour of a quiet harbour", "duration": 60}})
        assert r.status_code == 200, r.text
        rid, charged = r.json()["request_id"], r.json()["creditsCharged"]
        cancelled = c.post("/v2/cancel_render", json={"input": {"videoSessionId": rid}})
        assert cancelled.status_code == 200 and cancelled.json()["sessionID"] == rid
        assert c.get("/v2/status", params={"request_id": rid}).json()["status"] == "CANCELLED"
        entries = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        assert [(e["kind"], e["amount"]) for e in entries] == [("charge", -charged), ("refund", charged)]

        bad = c.post("/v2/upload_image_data", json={"input": {"image_data": ["https://example.com/a.png"]}})
        assert bad.status_code == 400 and "image_data[0]" in bad.text
        not_image = c.post("/v2/upload_image_data",
                           json={"input": {"image_data": [data_url(b"not an image", "image/png")]}})
        assert not_image.status_code == 400
        ext = c.post("/v1/external_users/upload_image_data", json={
            "external_user": {"provider": "x", "external_user_id": "u1"},
            "input": {"image_data": [data_url(png_bytes(64, 48))]},
        })
        assert ext.status_code == 200 and len(ext.json()["image_urls"]) == 1
        nostep = c.post(f"/v2/video/step/{rid}/process_next", json={})
        assert nostep.status_code == 400
        missing = c.get("/v2/status_detailed", params={"request_id": "vid_nope"})
        assert missing.status_code == 404
