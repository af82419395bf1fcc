"""POST /v1/image/enhance end to end through HTTP against a real server and worker."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from support import ReelforgeServer, wait_status
from support.media import data_url


@pytest.mark.parametrize(("resolution", "edge", "price"), [("1k", 1024, 45), ("2k", 2048, 75), ("4k", 4096, 90)])
def test_enhance_completes_with_requested_long_edge(
    server: ReelforgeServer, sample_png: bytes, resolution: str, edge: int, price: int
) -> None:
    key = server.new_key(credits=1000)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json={"image_url": data_url(sample_png), "resolution": resolution})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["creditsCharged"] == price and body["remainingCredits"] == 1000 - price
        assert r.headers["x-credits-charged"] == str(price)
        assert r.headers["x-credits-remaining"] == str(1000 - price)
        assert body["case_type"] == "image_enhance" and body["resolution"] == resolution.upper()
        assert body["request_id"] == body["session_id"] == body["global_status_id"]

        done = wait_status(c, body["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["result_urls"] == [done["result_url"]]
        img = Image.open(io.BytesIO(httpx.get(done["result_url"]).content))
        assert max(img.size) == edge
        assert img.size[0] / img.size[1] == pytest.approx(320 / 200, rel=0.01)

        listed = c.get("/v1/image/list", params={"limit": 10}).json()["sessions"]
        assert [s["request_id"] for s in listed] == [body["request_id"]]
        assert listed[0]["case_type"] == "image_enhance" and listed[0]["status"] == "COMPLETED"
        assert c.get("/v1/credits").json()["remainingCredits"] == 1000 - price


def test_enhance_accepts_wrapped_body_and_http_url(server: ReelforgeServer, fixture_http, sample_png: bytes) -> None:
    url = fixture_http.serve_bytes("/photo.png", sample_png, "image/png")
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json={"input": {"image_url": url}})
        assert r.status_code == 200, r.text
        assert r.json()["image_url"] == url and r.json()["creditsCharged"] == 45
        assert wait_status(c, r.json()["request_id"])["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "image_url"),
        ({"image_url": ""}, "image_url"),
        ({"image_url": "data:image/png;base64,aGVsbG8="}, "image_url"),  # not an image
        ({"image_url": "ftp://example.com/a.png"}, "image_url"),
        ({"image_url": "data:image/png;base64,AAAA", "resolution": "8k"}, "resolution"),
        ({"image_url": "data:image/png;base64,AAAA", "webhookUrl": "file:///etc/passwd"}, "webhook_url"),
    ],
)
def test_enhance_rejects_bad_input_without_charging(server: ReelforgeServer, payload: dict, field: str) -> None:
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json=payload)
        assert r.status_code == 400, r.text
        assert r.json()["field"] in (field, "webhookUrl")
        assert r.json()["message"]
        assert c.get("/v1/credits").json()["remainingCredits"] == 100
        assert c.get("/v1/image/list").json()["sessions"] == []


def test_malformed_json_is_a_400(server: ReelforgeServer) -> None:
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", content=b'{"image_url": ', headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["field"] == "body"


def test_truncated_image_is_refused(server: ReelforgeServer, sample_png: bytes) -> None:
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/enhance", json={"image_url": data_url(sample_png[: len(sample_png) // 2])})
        assert r.status_code == 400 and r.json()["field"] == "image_url"
