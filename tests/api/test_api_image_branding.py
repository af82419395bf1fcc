"""POST /v1/image/remove_branding end to end: removal, replacement, explicit regions, billing."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from imaging.photo_fixtures import landscape_photo, logo_image, stamp_logo, stamp_watermark
from reelforge.providers.ocr import rapid_engine
from support import FixtureHTTP, ReelforgeServer, credits_left, wait_status
from support.media import image_data_url, png_of

Box = tuple[int, int, int, int]


def fetch_png(url: str) -> Image.Image:
    return Image.open(io.BytesIO(httpx.get(url).content)).convert("RGB")


def ocr_text(img: Image.Image) -> str:
    return " ".join(line.text for line in rapid_engine().read(img)).upper().replace(" ", "")


def psnr_outside(a: Image.Image, b: Image.Image, marks: list[Box], margin: int = 16) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.ones(x.shape[:2], bool)
    for x0, y0, x1, y1 in marks:
        keep[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = False
    mse = ((x - y) ** 2)[keep].mean()
    return float("inf") if mse == 0 else float(10 * np.log10(255**2 / mse))


@pytest.fixture(scope="module")
def marked(fixture_http: FixtureHTTP) -> dict[str, Any]:
    photo = landscape_photo()
    img, logo_box = stamp_logo(photo, logo_image())
    img, mark_box = stamp_watermark(img)
    return {
        "photo": photo,
        "marked": img,
        "logo_box": logo_box,
        "mark_box": mark_box,
        "url": fixture_http.serve_bytes("/branding/marked.png", png_of(img), "image/png"),
    }


def test_remove_branding_clears_watermark_and_logo(server: ReelforgeServer, marked: dict[str, Any]) -> None:
    assert "WATERMARK" in ocr_text(marked["marked"])  # the fixture is readable before removal
    key = server.new_key(credits=200)
    with server.client(key) as c:
        r = c.post("/v1/image/remove_branding", json={"image_url": marked["url"]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "queued" and body["case_type"] == "logo_remove"
        assert body["image_url"] == marked["url"]
        assert body["creditsCharged"] == 75 and body["remainingCredits"] == 125
        assert r.headers["x-credits-charged"] == "75" and r.headers["x-credits-remaining"] == "125"

        done = wait_status(c, body["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["case_type"] == "logo_remove" and done["result_urls"] == [done["result_url"]]
        clean = fetch_png(done["result_url"])
        assert clean.size == marked["marked"].size
        text = ocr_text(clean)
        assert "WATERMARK" not in text and "SAMPLE" not in text
        assert psnr_outside(clean, marked["photo"], [marked["logo_box"], marked["mark_box"]]) >= 40
        assert len(done["removed_regions"]) >= 2

        listed = c.get("/v1/image/list").json()["sessions"]
        assert [(s["request_id"], s["case_type"], s["status"]) for s in listed] == [
            (body["request_id"], "logo_remove", "COMPLETED")
        ]
        assert credits_left(c) == 125


def test_replace_branding_puts_the_new_logo_where_the_old_one_was(
    server: ReelforgeServer, marked: dict[str, Any]
) -> None:
    new_logo = logo_image(60, colour=(30, 90, 220), letters="NW")
    key = server.new_key(credits=75)
    with server.client(key) as c:
        r = c.post("/v1/image/remove_branding",
                   json={"input": {"image_urls": [marked["url"], image_data_url(new_logo)]}})
        assert r.status_code == 200, r.text
        assert r.json()["creditsCharged"] == 75 and r.json()["remainingCredits"] == 0
        done = wait_status(c, r.json()["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        out = fetch_png(done["result_url"])
    x0, y0, x1, y1 = marked["logo_box"]
    region = np.asarray(out, dtype=np.int16)[y0:y1, x0:x1].reshape(-1, 3)
    blue = (region[:, 2] > 180) & (region[:, 0] < 80)
    magenta = (region[:, 0] > 200) & (region[:, 1] < 90) & (region[:, 2] > 90)
    assert blue.mean() > 0.4 and magenta.mean() < 0.01
    assert "WATERMARK" not in ocr_text(out)


def test_explicit_regions_change_only_those_pixels(server: ReelforgeServer) -> None:
    photo = landscape_photo(320, 214, seed=3)
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post(
            "/v1/image/remove_branding",
            json={"image_url": image_data_url(photo), "regions": [{"x": 40, "y": 30, "width": 80, "height": 50}]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["image_url"].startswith("data:image/png;base64,…")  # data: URLs are summarised
        done = wait_status(c, r.json()["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["removed_regions"] == [[40, 30, 120, 80]]
        a, b = np.asarray(fetch_png(done["result_url"])), np.asarray(photo)
    outside = np.ones(a.shape[:2], bool)
    outside[30:80, 40:120] = False
    assert np.array_equal(a[outside], b[outside])
    assert not np.array_equal(a[30:80, 40:120], b[30:80, 40:120])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "image_url"),
        ({"image_url": ""}, "image_url"),
        ({"image_urls": []}, "image_urls"),
        ({"image_urls": ["data:image/png;base64,AAAA"] * 3}, "image_urls"),
        ({"image_url": "data:image/png;base64,aGVsbG8="}, "image_url"),
        ({"image_urls": ["data:image/png;base64,aGVsbG8="]}, "image_urls.0"),
        ({"image_url": "DATA", "regions": [[10, 10, 5, 20]]}, "regions.0"),
        ({"image_url": "DATA", "regions": [{"x": 1, "y": 2}]}, "regions.0"),
        ({"image_url": "DATA", "regions": [[-1, 0, 5, 5]]}, "regions.0.0"),
        ({"image_url": "DATA", "regions": [[0, 0, 5, 5], [500, 10, 520, 20]]}, "regions.1"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_free(
    server: ReelforgeServer, payload: dict[str, Any], field: str
) -> None:
    if payload.get("image_url") == "DATA":
        payload = {**payload, "image_url": image_data_url(Image.new("RGB", (64, 48), (90, 120, 160)))}
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/remove_branding", json=payload)
        assert r.status_code == 400, r.text
        assert r.json()["field"] == field, r.json()
        assert credits_left(c) == 100 and c.get("/v1/image/list").json()["sessions"] == []


def test_short_of_credits_is_a_402(server: ReelforgeServer) -> None:
    key = server.new_key(credits=74)
    with server.client(key) as c:
        r = c.post("/v1/image/remove_branding", json={"image_url": image_data_url(landscape_photo(96, 64))})
        assert r.status_code == 402, r.text
        assert credits_left(c) == 74 and c.get("/v1/image/list").json()["sessions"] == []
