"""POST /v1/image/add_image_set and POST /v1/image/assign_title through HTTP."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from imaging.photo_fixtures import BOLD, landscape_photo
from support import FixtureHTTP, ReelforgeServer, credits_left, wait_status
from support.media import image_data_url, png_of

# --- add_image_set -----------------------------------------------------------------------------


def test_image_set_makes_distinct_images_of_the_aspect(server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    urls = [
        fixture_http.serve_bytes("/sets/a.png", png_of(landscape_photo(480, 320, seed=1)), "image/png"),
        fixture_http.serve_bytes("/sets/b.png", png_of(landscape_photo(480, 320, seed=5)), "image/png"),
    ]
    key = server.new_key(credits=1000)
    with server.client(key) as c:
        r = c.post(
            "/v1/image/add_image_set",
            json={
                "image_urls": urls,
                "num_images": 3,
                "aspect_ratio": "1:1",
                "metadata": {"campaign": "spring"},
                "prompt": "Optional creative direction",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["case_type"] == "image_list_to_image_set" and body["status"] == "queued"
        assert body["image_urls"] == urls and body["num_images"] == 3
        assert body["metadata"] == {"campaign": "spring"} and body["prompt"] == "Optional creative direction"
        assert body["creditsCharged"] == 225 and r.headers["x-credits-charged"] == "225"
        assert body["remainingCredits"] == 775 and r.headers["x-credits-remaining"] == "775"

        done = wait_status(c, body["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["case_type"] == "image_list_to_image_set"
        assert len(done["result_urls"]) == 3 and done["result_url"] == done["result_urls"][0]
        images = [Image.open(io.BytesIO(httpx.get(u).content)).convert("RGB") for u in done["result_urls"]]
        assert all(img.width == img.height for img in images)
        small = [np.asarray(img.resize((64, 64)), dtype=np.float32) for img in images]
        for i in range(3):
            for j in range(i + 1, 3):
                assert np.abs(small[i] - small[j]).mean() > 2.0  # visibly different

        listed = c.get("/v1/image/list").json()["sessions"]
        assert [(s["case_type"], s["status"]) for s in listed] == [("image_list_to_image_set", "COMPLETED")]
        assert credits_left(c) == 775


def test_image_set_defaults_to_one_image_per_url(server: ReelforgeServer) -> None:
    photos = [image_data_url(landscape_photo(160, 120, seed=s)) for s in (2, 3)]
    key = server.new_key(credits=150)
    with server.client(key) as c:
        r = c.post("/v1/image/add_image_set", json={"input": {"image_urls": photos, "aspect_ratio": "16:9"}})
        assert r.status_code == 200, r.text
        assert r.json()["num_images"] == 2 and r.json()["creditsCharged"] == 150
        done = wait_status(c, r.json()["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        sizes = [Image.open(io.BytesIO(httpx.get(u).content)).size for u in done["result_urls"]]
        assert len(sizes) == 2 and all(abs(w / h - 16 / 9) < 0.02 for w, h in sizes)
        # Each output says what kind of new image it is, in the order of result_urls.
        assert [item["url"] for item in done["images"]] == done["result_urls"]
        assert all(item["kind"] in ("cutout", "detail", "collage", "variation") for item in done["images"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "image_urls"),
        ({"image_urls": []}, "image_urls"),
        ({"image_urls": [""]}, "image_urls"),
        ({"image_urls": ["PHOTO"], "num_images": "many"}, "num_images"),
        ({"image_urls": ["PHOTO"], "num_images": 0}, "num_images"),
        ({"image_urls": ["PHOTO"], "aspect_ratio": "wide"}, "aspect_ratio"),
        ({"image_urls": ["PHOTO", "data:image/png;base64,aGVsbG8="]}, "image_urls.1"),
    ],
)
def test_image_set_bad_input_is_a_free_400(server: ReelforgeServer, payload: dict[str, Any], field: str) -> None:
    photo = image_data_url(landscape_photo(64, 48))
    payload = {k: ([photo if u == "PHOTO" else u for u in v] if k == "image_urls" else v) for k, v in payload.items()}
    key = server.new_key(credits=500)
    with server.client(key) as c:
        r = c.post("/v1/image/add_image_set", json=payload)
        assert r.status_code == 400, r.text
        assert r.json()["field"] == field, r.json()
        assert credits_left(c) == 500 and c.get("/v1/image/list").json()["sessions"] == []


def test_image_set_short_of_credits_is_a_402(server: ReelforgeServer) -> None:
    key = server.new_key(credits=149)
    with server.client(key) as c:
        r = c.post("/v1/image/add_image_set",
                   json={"image_urls": [image_data_url(landscape_photo(64, 48))], "num_images": 2})
        assert r.status_code == 402, r.text
        assert r.json()["creditsRequired"] == 150
        assert credits_left(c) == 149


# --- assign_title ------------------------------------------------------------------------------


def labelled_product(text: str) -> Image.Image:
    img = Image.new("RGB", (640, 360), (236, 232, 224))
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 230, 580, 330), fill=(120, 90, 60))
    draw.text((320, 110), text, font=ImageFont.truetype(BOLD, 46), fill=(25, 30, 40), anchor="mm")
    return img


def test_title_from_metadata_matches_the_readme(server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    url = fixture_http.serve_bytes("/titles/product-photo.png", png_of(landscape_photo(200, 150)), "image/png")
    key = server.new_key(credits=10)
    with server.client(key) as c:
        r = c.post(
            "/v1/image/assign_title",
            json={"image_url": url, "metadata": {"product": "linen travel shirt", "collection": "spring essentials"}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["content"] == "Linen Travel Shirt"
        assert credits_left(c) == 10  # free


def test_title_for_a_binary_upload(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10)
    photo = png_of(landscape_photo(200, 150))
    with server.client(key) as c:
        r = c.post(
            "/v1/image/assign_title",
            files={"image": ("product-photo.png", photo, "image/png")},
            data={
                "fileName": "product-photo.png",
                "mimeType": "image/png",
                "metadata": json.dumps({"product": "linen travel shirt"}),
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["content"] == "Linen Travel Shirt"
        # Without metadata the title comes from the text printed on the image (OCR).
        upload = png_of(labelled_product("Alpine Trail Boots"))
        r = c.post("/v1/image/assign_title", files={"image": ("boots.png", upload, "image/png")})
        assert r.status_code == 200, r.text
        assert r.json()["content"] == "Alpine Trail Boots"
        assert credits_left(c) == 10


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"json": {"metadata": {"product": "shirt"}}}, "image_url"),
        ({"json": {"image_url": "data:image/png;base64,aGVsbG8="}}, "image_url"),
        ({"json": {"image_data": "aGVsbG8="}}, "image_data"),
        ({"json": {"image_url": "PHOTO", "metadata": "not json"}}, "metadata"),
        ({"files": {"image": ("a.png", b"", "image/png")}}, "image"),
        ({"files": {"image": ("a.png", b"not an image", "image/png")}}, "image"),
        ({"files": {"image": ("a.png", b"PNG", "image/png")}, "data": {"metadata": "{oops"}}, "metadata"),
    ],
)
def test_title_bad_input_is_a_400(server: ReelforgeServer, kwargs: dict[str, Any], field: str) -> None:
    photo = png_of(landscape_photo(64, 48))
    if kwargs.get("json", {}).get("image_url") == "PHOTO":
        kwargs = {"json": {**kwargs["json"], "image_url": "data:image/png;base64," + base64.b64encode(photo).decode()}}
    if "files" in kwargs and kwargs["files"]["image"][1] == b"PNG":
        kwargs = {**kwargs, "files": {"image": ("a.png", photo, "image/png")}}
    key = server.new_key(credits=10)
    with server.client(key) as c:
        r = c.post("/v1/image/assign_title", **kwargs)
        assert r.status_code == 400, r.text
        assert r.json()["field"] == field, r.json()


@pytest.fixture(scope="module")
def vision_server(tmp_path_factory: pytest.TempPathFactory, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    """A server whose OpenAI-compatible endpoint is the fixture HTTP server."""
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("vision"),
        {"REELFORGE_OPENAI_BASE_URL": fixture_http.base_url, "REELFORGE_OPENAI_CHAT_MODEL": "vision-test"},
    )
    srv.start()
    yield srv
    srv.stop()


def test_title_from_a_configured_vision_model(vision_server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    reply = {"choices": [{"message": {"role": "assistant", "content": '"Linen Travel Shirt in Sand Beige."'}}]}
    fixture_http.routes["/v1/chat/completions"] = lambda _h, _b: (
        200,
        {"content-type": "application/json"},
        json.dumps(reply).encode(),
    )
    key = vision_server.new_key(credits=10)
    photo = png_of(landscape_photo(200, 150))
    with vision_server.client(key) as c:
        r = c.post(
            "/v1/image/assign_title",
            files={"image": ("shirt.png", photo, "image/png")},
            data={"metadata": json.dumps({"product": "linen travel shirt"})},
        )
        assert r.status_code == 200, r.text
        assert r.json()["content"] == "Linen Travel Shirt in Sand Beige"
        sent = json.loads(
            next(body for path, _h, body in reversed(fixture_http.received) if path == "/v1/chat/completions")
        )
        assert sent["model"] == "vision-test"
        parts = sent["messages"][1]["content"]
        assert "linen travel shirt" in parts[0]["text"]
        assert parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")
        # A failing endpoint falls back to the offline titler.
        fixture_http.routes["/v1/chat/completions"] = lambda _h, _b: (503, {}, b"overloaded")
        r = c.post(
            "/v1/image/assign_title",
            json={"image_data": base64.b64encode(photo).decode(), "metadata": {"product": "linen travel shirt"}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["content"] == "Linen Travel Shirt"
