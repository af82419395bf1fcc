"""Each validation rule of the video routes: a 400 naming the field, nothing charged."""

from __future__ import annotations

import pytest

from support import ReelforgeServer

OK_IMAGE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

CASES = [
    ("/v1/video/text_to_video", {}, "prompt"),
    ("/v1/video/text_to_video", {"prompt": "x" * 1001}, "prompt"),
    ("/v1/video/text_to_video", {"prompt": "ok", "duration": 241}, "duration"),
    ("/v1/video/text_to_video", {"prompt": "ok", "video_model": "NOPE"}, "video_model"),
    ("/v1/video/text_to_video", {"prompt": "ok", "image_model": "NOPE"}, "image_model"),
    ("/v1/video/text_to_video", {"prompt": "ok", "language": "xx"}, "language"),
    ("/v1/video/text_to_video", {"prompt": "ok", "language": "th", "font_key": "Comic Sans"}, "font_key"),
    ("/v1/video/text_to_video", {"prompt": "ok", "enable_subtitles": "yes"}, "enable_subtitles"),
    ("/v1/video/text_to_video", {"prompt": "ok", "aspect_ratio": "4:3"}, "aspect_ratio"),
    ("/v1/video/text_to_video", {"prompt": "ok", "generate_outro_image": True, "cta_url": "ftp://x.y"}, "cta_url"),
    (
        "/v1/video/text_to_video",
        {"prompt": "ok", "generate_outro_image": True, "cta_url": "https://a.b", "outro_image_url": OK_IMAGE},
        "outro_image_url",
    ),
    ("/v1/video/text_to_video", {"prompt": "ok", "generate_outro_image": True}, "cta_url"),
    ("/v1/video/text_to_video", {"prompt": "ok", "express_cta_generation": True}, "cta_url"),
    (
        "/v1/video/text_to_video",
        {"prompt": "ok", "add_outro_focus_area": True, "outro_focust_area": {"x": 0, "y": 0, "width": 9, "height": 9}},
        "add_outro_animation",
    ),
    (
        "/v1/video/text_to_video",
        {
            "prompt": "ok",
            "add_outro_animation": True,
            "add_outro_focus_area": True,
            "outro_focust_area": {"x": 1700, "y": 0, "width": 200, "height": 100},
        },
        "outro_focust_area",
    ),
    ("/v1/video/create", {"prompt": "x" * 501}, "prompt"),
    ("/v1/video/create", {"prompt": "ok", "duration": 121}, "duration"),
    ("/v1/video/image_list_to_video", {}, "image_urls"),
    ("/v1/video/image_list_to_video", {"image_urls": []}, "image_urls"),
    ("/v1/video/image_list_to_video", {"image_urls": [{"title": "no url"}]}, "image_urls"),
    ("/v1/video/image_list_to_video", {"image_urls": ["http://10.0.0.1/a.png"]}, "image_urls[0]"),
    ("/v1/video/image_list_to_video", {"image_urls": [OK_IMAGE], "add_narrator_avatar": 1}, "add_narrator_avatar"),
]


@pytest.mark.parametrize(("route", "body", "field"), CASES)
def test_video_validation(server: ReelforgeServer, route: str, body: dict, field: str) -> None:
    key = server.new_key(credits=100_000)
    with server.client(key) as c:
        r = c.post(route, json={"input": body})
        assert r.status_code == 400, r.text
        assert r.json()["field"] == field, r.json()
        assert c.get("/v1/credits").json()["remainingCredits"] == 100_000


def test_supported_models_and_fonts(server: ReelforgeServer) -> None:
    key = server.new_key()
    with server.client(key) as c:
        models = c.get("/v1/video/supported_models").json()
        video = {m["value"]: m for m in models["VIDEO_MODELS"]}
        image = {m["value"]: m for m in models["IMAGE_MODELS"]}
        # Every key the docs and the samsar-js README name, each with its documented price and
        # the provider that really serves it here.
        for key in ("RUNWAYML", "KLINGIMGTOVID3PRO", "HAILUO", "HAILUOPRO", "SEEDANCEI2V", "VEO3.1I2V",
                    "VEO3.1I2VFAST", "SORA2", "SORA2PRO", "HAPPYHORSEI2V", "KLINGIMGTOVID2.1PRO", "LOCAL"):
            assert key in video, key
        for key in ("GPTIMAGE1", "GPTIMAGE2", "IMAGEN4", "SEEDREAM", "HUNYUAN", "NANOBANANA", "NANOBANANA2"):
            assert key in image, key
        assert video["RUNWAYML"]["basePrice"] == 30 and video["RUNWAYML"]["pricing"] == {"credits_per_second": 30}
        assert video["SORA2"]["basePrice"] == 100 and video["SORA2"]["pricing"]["unit_seconds"] == [8]
        assert video["RUNWAYML"]["provider"] == "LOCAL (offline default for RUNWAYML)"
        assert image["GPTIMAGE1"]["basePrice"] == 15 and image["IMAGEN4"]["basePrice"] == 5
        assert image["HUNYUAN"]["imageModelMultiplier"] == 1.5
    with server.client(None) as anon:
        fonts = anon.get("/v1/supported_fonts").json()["fontsByLanguage"]
        assert "Poppins" in fonts["en"] and fonts["th"] and fonts["default"]
        page = anon.get("/fonts")
        assert page.status_code == 200 and "Poppins" in page.text
        src = page.text.split("src:url('")[1].split("'")[0]
        assert anon.get(src).status_code == 200
