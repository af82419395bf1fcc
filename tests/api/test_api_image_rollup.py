"""Roll-up banners through HTTP: grid, overlays (OCR), thumbnail, the enhance variant and its
billing, and a 400 for every invalid ``image_tiling_position`` value."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from reelforge.providers.ocr import rapid_engine
from support import FixtureHTTP, ReelforgeServer, credits_left, wait_status
from support.media import image_data_url, png_of

COLOURS = [(200, 80, 60), (60, 140, 90), (50, 90, 190), (220, 180, 60), (140, 70, 160)]
BACKGROUND = (245, 243, 238)
TILE_W = 600


def tile_image(colour: tuple[int, int, int], size: tuple[int, int] = (500, 625)) -> Image.Image:
    img = Image.new("RGB", size, colour)
    w, h = size
    ImageDraw.Draw(img).ellipse((w * 0.3, h * 0.35, w * 0.7, h * 0.67), fill=(25, 25, 30))
    return img


def fetch(url: str) -> Image.Image:
    return Image.open(io.BytesIO(httpx.get(url, timeout=30).content)).convert("RGB")


def runs(line: np.ndarray) -> int:
    """How many non-background stretches a line of pixels crosses (= tiles along it)."""
    is_gutter = (np.abs(line.astype(int) - BACKGROUND).max(axis=1) < 3).astype(int)
    return int(np.count_nonzero(np.diff(is_gutter) == -1))


def test_rollup_banner_grid_overlays_and_thumbnail(server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    urls = [
        fixture_http.serve_bytes(f"/rollup/t{i}.png", png_of(tile_image(c)), "image/png") for i, c in enumerate(COLOURS)
    ]
    header = fixture_http.serve_bytes("/rollup/header.png", png_of(Image.new("RGB", (1200, 200), (20, 24, 30))))
    items: list[dict[str, Any]] = [
        {"image_url": urls[0], "title": "Rooftop Bar", "image_category": "Social", "image_duration": "2 hours"},
        {"enhanced_url": urls[1], "overlay": {"top_left": "Half day", "top_right": "Pool", "footer": "Cabana"}},
        {"image_url": urls[2], "image_text": "Harbour Walk"},
        {"image_url": urls[3], "title": "Night Market"},
        {"image_url": urls[4], "title": "Temple Tour"},
    ]
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post(
            "/v1/image/create_rollup_banner",
            json={
                "image_list": items,
                "header_image_url": header,
                "columns": 4,
                "max_tiles": 28,
                "tile_width": TILE_W,
                "image_tiling_position": {"font_key": "en", "font_family": "Poppins, Helvetica, Arial, sans-serif"},
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["case_type"] == "rollup_banner" and body["request_id"].startswith("rollup_")
        assert body["creditsCharged"] == 30 and r.headers["x-credits-charged"] == "30"
        assert body["remainingCredits"] == 70 and r.headers["x-credits-remaining"] == "70"

        done = wait_status(c, body["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["case_type"] == "rollup_banner" and done["result_urls"] == [done["result_url"]]
        banner, thumb = fetch(done["result_url"]), fetch(done["thumbnail_url"])
        listed = c.get("/v1/image/list").json()["sessions"]
        assert [(s["case_type"], s["status"]) for s in listed] == [("rollup_banner", "COMPLETED")]
        assert credits_left(c) == 70

    # Grid: 28 tiles (the 5 repeated) in 4 columns and 7 rows, counted from the pixels.
    pixels = np.asarray(banner)
    tile_h = round(TILE_W * 2526 / 2020)
    boxes = done["tile_boxes"]
    assert len(boxes) == 28 and (done["columns"], done["rows"]) == (4, 7)
    assert runs(pixels[:, boxes[0][0] + 20]) == 7  # down the first column (the header is dark, not gutter)
    for row in range(7):
        assert runs(pixels[boxes[row * 4][1] + tile_h // 2]) == 4
    for index, (x0, y0, _x1, _y1) in enumerate(boxes):
        sample = pixels[y0 + tile_h // 2, x0 + 20].astype(int)
        assert np.abs(sample - COLOURS[index % 5]).max() < 12, (index, sample)
    assert np.abs(pixels[5, banner.width // 2].astype(int) - (20, 24, 30)).max() < 6  # header on top
    # Overlay text (with the documented fallbacks) is really drawn.
    ocr = rapid_engine()
    first = " ".join(line.text for line in ocr.read(banner.crop(tuple(boxes[0])))).lower()
    assert "rooftop" in first and "social" in first and "hours" in first
    second = " ".join(line.text for line in ocr.read(banner.crop(tuple(boxes[1])))).lower()
    assert "cabana" in second and "pool" in second
    assert thumb.width < banner.width and thumb.height < banner.height
    assert abs(thumb.width / thumb.height - banner.width / banner.height) < 0.01


def test_rollup_with_enhance_upscales_small_tiles_and_bills_them(
    server: ReelforgeServer, fixture_http: FixtureHTTP
) -> None:
    small = fixture_http.serve_bytes("/rollup/small.png", png_of(tile_image(COLOURS[0], (400, 500))), "image/png")
    large = fixture_http.serve_bytes("/rollup/large.png", png_of(tile_image(COLOURS[2], (2020, 2526))), "image/png")
    key = server.new_key(credits=200)
    with server.client(key) as c:
        r = c.post(  # the samsar-js path of create_rollup_banner_with_enhance
            "/v1/image/enhance_and_generate_rollup_banner",
            json={
                "images": [
                    {"image_url": small, "image_text": "Rooftop Bar", "overlay": {"top_right": "City"}},
                    {"image_url": large, "image_text": "Harbour"},
                    {"image_url": small, "image_text": "Again"},  # the same image is enhanced (and billed) once
                ],
                "columns": 2,
                "max_tiles": 4,
                "tile_width": 200,
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["case_type"] == "rollup_banner_enhance"
        assert body["creditsCharged"] == 90 + 30  # one 4k enhance (400x500 → 3277x4096) + the banner
        assert body["remainingCredits"] == 80 and r.headers["x-credits-remaining"] == "80"
        assert body["rollup_request_id"] == body["request_id"] == body["rollup_session_id"]
        enhanced_url, original = body["input_image_urls"]
        assert original == large and "/files/" in enhanced_url

        done = wait_status(c, body["request_id"], path="/v1/image/status")
        assert done["status"] == "COMPLETED", done
        assert done["case_type"] == "rollup_banner_enhance"
        assert done["input_image_urls"] == body["input_image_urls"]
        enhanced = fetch(enhanced_url)
        assert enhanced.width >= 2020 and enhanced.height >= 2526
        banner = fetch(done["result_url"])
        assert len(done["tile_boxes"]) == 4 and banner.width == 2 * 200 + 3 * 4
        assert fetch(done["thumbnail_url"]).width <= banner.width
        listed = c.get("/v1/image/list").json()["sessions"]
        assert [(s["case_type"], s["status"]) for s in listed] == [("rollup_banner_enhance", "COMPLETED")]


def test_rollup_short_of_credits_is_a_402(server: ReelforgeServer) -> None:
    small = image_data_url(tile_image(COLOURS[1], (80, 100)))
    key = server.new_key(credits=100)
    with server.client(key) as c:
        r = c.post("/v1/image/create_rollup_banner_with_enhance", json={"images": [small], "tile_width": 64})
        assert r.status_code == 402, r.text
        assert r.json()["creditsRequired"] == 120
    poor = server.new_key(credits=29)
    with server.client(poor) as c:
        r = c.post("/v1/image/create_rollup_banner", json={"image_urls": [small], "tile_width": 64})
        assert r.status_code == 402, r.text
        assert credits_left(c) == 29 and c.get("/v1/image/list").json()["sessions"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"image_list": []}, "image_list"),
        ({"image_list": None, "images": []}, "images"),
        ({"image_list": [{"title": "no url"}]}, "image_list.0"),
        ({"columns": 0}, "columns"),
        ({"columns": 7}, "columns"),
        ({"columns": 2.5}, "columns"),
        ({"max_tiles": 0}, "max_tiles"),
        ({"max_tiles": "many"}, "max_tiles"),
        ({"image_tiling_position": {"font_key": "xx"}}, "image_tiling_position.font_key"),
        ({"image_tiling_position": {"top_left": {"margin_min": 10}}}, "image_tiling_position.font_key"),
        (
            {"image_tiling_position": {"font_key": "ja", "font_family": "Poppins, sans-serif"}},
            "image_tiling_position.font_family",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "font_family": "Comic Sans MS, Arial"}},
            "image_tiling_position.font_family",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "top_left": {"margin_ratio": 1.5}}},
            "image_tiling_position.top_left.margin_ratio",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "top_left": {"diameter_ratio": -0.1}}},
            "image_tiling_position.top_left.diameter_ratio",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "top_left": {"diameter_min": 400, "diameter_max": 300}}},
            "image_tiling_position.top_left",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "top_right": {"margin_ratio": 2}}},
            "image_tiling_position.top_right.margin_ratio",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "top_right": {"padding_left": -5}}},
            "image_tiling_position.top_right.padding_left",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "bottom": {"inset_ratio": 1.01}}},
            "image_tiling_position.bottom.inset_ratio",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "bottom": {"text_inset_ratio": "lots"}}},
            "image_tiling_position.bottom.text_inset_ratio",
        ),
        (
            {"image_tiling_position": {"font_key": "en", "bottom": {"overlay_height_min": -1}}},
            "image_tiling_position.bottom.overlay_height_min",
        ),
        ({"tile_width": 10}, "tile_width"),
        (
            {"image_list": [{"image_url": "TILE"}, {"image_url": "data:image/png;base64,aGVsbG8="}]},
            "image_list.1.image_url",
        ),
        ({"header_image_url": "ftp://example.com/h.png"}, "header_image_url"),
    ],
)
def test_invalid_rollup_values_are_a_free_400(server: ReelforgeServer, body: dict[str, Any], field: str) -> None:
    tile = image_data_url(tile_image(COLOURS[3], (40, 50)))
    full: dict[str, Any] = {"image_list": [{"image_url": tile}], **body}
    if full["image_list"]:
        full["image_list"] = [
            {**item, "image_url": tile} if item.get("image_url") == "TILE" else item for item in full["image_list"]
        ]
    key = server.new_key(credits=200)
    with server.client(key) as c:
        for path in ("/v1/image/create_rollup_banner", "/v1/image/create_rollup_banner_with_enhance"):
            r = c.post(path, json=full)
            assert r.status_code == 400, r.text
            assert r.json()["field"] == field, r.json()
        assert credits_left(c) == 200 and c.get("/v1/image/list").json()["sessions"] == []
