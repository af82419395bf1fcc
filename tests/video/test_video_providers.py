"""A deployment with an OpenAI-compatible endpoint: script, scene images and speech come from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.render.probe import probe_media
from support import ReelforgeServer, wait_status
from support.fake_openai import FakeOpenAIServer
from support.media import download

SCENES = [
    {"title": "Morning light", "narration": "Morning light fills the studio as the kettle starts to sing."},
    {"title": "The pour", "narration": "A slow pour blooms over fresh grounds in the ceramic dripper."},
]


def chat_reply(_messages: list[dict[str, Any]], _body: dict[str, Any]) -> dict[str, Any]:
    return {"scenes": SCENES, "cta_text_top": "Brew better", "cta_text_bottom": "example.com"}


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key="sk-test", chat_reply=chat_reply) as srv:
        yield srv


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory, model_server: FakeOpenAIServer) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("openai"),
        {"REELFORGE_OPENAI_BASE_URL": model_server.base_url, "REELFORGE_OPENAI_API_KEY": "sk-test"},
    )
    srv.start()
    yield srv
    srv.stop()


def test_text_to_video_through_configured_models(
    configured: ReelforgeServer, model_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    key = configured.new_key(credits=5000)
    with configured.client(key, timeout=120) as c:
        models = c.get("/v1/video/supported_models").json()
        assert "GPTIMAGE1" in {m["value"] for m in models["IMAGE_MODELS"]}
        r = c.post(
            "/v1/video/text_to_video",
            json={
                "input": {
                    "prompt": "A slow coffee ritual",
                    "duration": 10,
                    "language": "en",
                    "image_model": "GPTIMAGE1",
                }
            },
        )
        assert r.status_code == 200, r.text
        status = wait_status(c, r.json()["request_id"], timeout=300)
    assert status["status"] == "COMPLETED", status
    paths = [req.path for req in model_server.requests]
    assert "/v1/chat/completions" in paths
    assert paths.count("/v1/images/generations") == 2 and paths.count("/v1/audio/speech") == 2
    assert all(req.headers.get("Authorization") == "Bearer sk-test" for req in model_server.requests)
    info = probe_media(download(status["result_url"], tmp_path / "m.mp4"))
    assert info["video_codec"] == "h264" and info["duration"] == pytest.approx(10, abs=2.5)
