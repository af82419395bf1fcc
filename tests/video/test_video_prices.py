"""Charges equal the documented formulas (README.md "Where each price comes from").

The estimates are checked on an API-only server (no workers: nothing renders, the charge taken
at acceptance is what is checked). The session operations' charges (translate and join 2 credits/s
of the source, add_outro 50) are checked in test_video_ops.py on the session it renders once for
all its tests, rather than on two more renders here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from test_video_generation import product_photo

from support import ReelforgeServer

IMAGES = [product_photo(0), product_photo(1)]  # two scenes of 5 s each: a 10 s estimate
CTA = "https://shop.example.com/book"


@pytest.fixture(scope="module")
def api_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReelforgeServer]:
    server = ReelforgeServer(tmp_path_factory.mktemp("prices"), workers=False).start()
    yield server
    server.stop()


def charged(server: ReelforgeServer, route: str, body: dict, status: int = 200) -> int:
    with server.client(server.new_key(credits=1_000_000)) as c:
        r = c.post(route, json={"input": body})
    assert r.status_code == status, r.text
    return int(r.json().get("creditsCharged", r.headers.get("x-credits-charged", -1)))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # samsar-js README: image lists default to RUNWAYML at 30 credits per rendered second.
        ({"image_urls": IMAGES}, 10 * 30),
        ({"image_urls": IMAGES, "video_model": "VEO3.1I2V"}, 10 * 60),
        ({"image_urls": IMAGES, "video_model": "KLINGIMGTOVID3PRO"}, 10 * 36),
        # Add-ons: narrator avatar 4/s, express CTA 1/s; the QR outro adds its 3 s to the duration.
        (
            {"image_urls": IMAGES, "add_narrator_avatar": True, "express_cta_generation": True, "cta_url": CTA,
             "generate_outro_image": True},
            (10 + 3) * (30 + 4 + 1),
        ),
    ],
)
def test_image_list_to_video_prices(api_only: ReelforgeServer, body: dict, expected: int) -> None:
    assert charged(api_only, "/v1/video/image_list_to_video", body) == expected


@pytest.mark.parametrize(
    ("image_model", "video_model", "expected"),
    [
        ("IMAGEN4", "RUNWAYML", 20 * 30),  # README per-second rate
        ("GPTIMAGE1", "HAILUO", 60 * math.ceil(20 / 6)),  # video-api.txt: base × duration units
        ("HUNYUAN", "SORA2", math.ceil(100 * math.ceil(20 / 8) * 1.5)),  # × 1.5 with HUNYUAN
        ("HUNYUAN", "VEO3.1I2VFAST", math.ceil(36 * 20 * 1.5)),
    ],
)
def test_text_to_video_prices(api_only: ReelforgeServer, image_model: str, video_model: str, expected: int) -> None:
    body = {"prompt": "A boutique hotel launch reel", "duration": 20, "image_model": image_model,
            "video_model": video_model}
    assert charged(api_only, "/v1/video/text_to_video", body) == expected


def test_legacy_create_price_and_status(api_only: ReelforgeServer) -> None:
    # legacy-video-api-v0.md: 10 credits/s for every model, 201 Session created.
    body = {"prompt": "An astronaut cat", "duration": 30, "image_model": "IMAGEN4",
            "video_model": "KLINGIMGTOVID2.1PRO"}
    assert charged(api_only, "/v1/video/create", body, status=201) == 30 * 10
