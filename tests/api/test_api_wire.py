"""Wire details: the SDK's express-CTA request, legacy and extra routes, health probes,
text-to-image on the offline provider, voices and font previews, translation of client text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))
from test_video_generation import product_photo  # noqa: E402

from reelforge.providers.translate import PhrasebookTranslator  # noqa: E402
from support import ReelforgeServer, wait_status  # noqa: E402


@pytest.fixture(scope="module")
def api_only(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = ReelforgeServer(tmp_path_factory.mktemp("wire"), workers=False).start()
    yield server
    server.stop()


def test_express_cta_request_as_samsar_js_sends_it(api_only: ReelforgeServer) -> None:
    # createVideoFromImageList({express_cta_generation: true, cta_url}) adds add_outro_focus_area
    # without an area: the flag alone is ignored, not a 400.
    with api_only.client(api_only.new_key()) as c:
        r = c.post("/v1/video/image_list_to_video", json={
            "image_urls": [product_photo(0)], "video_model": "RUNWAYML", "aspect_ratio": "9:16",
            "express_cta_generation": True, "cta_url": "https://example.com/book", "add_outro_focus_area": True,
        })
        assert r.status_code == 200, r.text
        status = c.get("/v1/status", params={"request_id": r.json()["request_id"]}).json()
        assert status["provider"] == "LOCAL (offline default for RUNWAYML)"


def test_unknown_model_and_session_errors(api_only: ReelforgeServer) -> None:
    with api_only.client(api_only.new_key()) as c:
        r = c.post("/v1/video/text_to_video", json={"prompt": "x", "video_model": "NOPE9"})
        assert r.status_code == 400 and r.json()["field"] == "video_model"
        r = c.post("/v1/video/translate_video", json={"input": {"videoSessionId": "vid_nope", "language": "es"}})
        assert r.status_code == 400 and r.json()["field"] == "videoSessionId"  # video-api.txt: 400
        r = c.get("/v1/video/status")
        assert r.status_code == 400 and r.json()["message"] == "Missing or invalid session_id."


def test_health_voices_fonts(api_only: ReelforgeServer) -> None:
    with api_only.client(api_only.new_key()) as c:
        assert c.get("/health/live").json()["status"] == "ok"
        ready = c.get("/health/ready")
        assert ready.status_code == 200 and all(check["ok"] for check in ready.json()["checks"])
        deps = c.get("/health/dependencies").json()
        assert deps["providers"]["video_models"]["VEO3.1I2V"] == "LOCAL (offline default for VEO3.1I2V)"
        voices = c.get("/v1/tts/voices").json()
        assert voices["provider"] == "LOCAL (espeak-ng)" and len(voices["voices"]) >= 2
        wav = c.get("/v1/tts/preview", params={"voice": voices["voices"][1]["voice_id"], "language": "es"})
        assert wav.status_code == 200 and wav.content[:4] == b"RIFF" and len(wav.content) > 10_000
        png = c.get("/v1/supported_fonts/preview", params={"font_key": "Poppins", "language": "en", "theme": "dark"})
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert c.get("/v1/supported_fonts/preview", params={"font_key": "Nope", "language": "en"}).status_code == 404


def test_text_to_image_on_the_offline_provider(server: ReelforgeServer) -> None:
    with server.client(server.new_key()) as c:
        for path in ("/v1/image/text_to_image", "/v1/image/generate", "/v1/image/generations"):
            r = c.post(path, json={"prompt": "A lighthouse at dawn", "image_model": "IMAGEN4", "size": "512x512"})
            assert r.status_code == 200, r.text
            assert r.json()["creditsCharged"] == 5  # IMAGEN4's basePrice per image
            done = r.json() if r.json()["status"] == "completed" else wait_status(c, r.json()["request_id"])
            assert done["provider"] == "LOCAL (offline default for IMAGEN4)"
            image = c.get(done["result_url"])
            assert image.status_code == 200 and image.content[:4] == b"\x89PNG"


def test_phrasebook_translates_template_phrases_only() -> None:
    book = PhrasebookTranslator()
    assert book.translate("Scan to book", "es") == "Escanea para reservar"
    assert book.translate("example.com", "ja") == "example.com"
    assert book.translate("Limited availability", "es") is None
