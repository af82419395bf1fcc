"""The media gateway's image and video routes through HTTP with real workers: image generation and
its status route, image-to-video with the requested aspect, lip sync of a still to speech, a sound
effect laid under a video, and the 400s naming the field."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image

from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.probe import probe_media
from support import FixtureHTTP, ReelforgeServer, wait_status
from support.media import png_bytes
from support.quotes import quote_then_charge

VIDEO_STATUS = "/v2/external/video/status"


def accepted(c: httpx.Client, path: str, body: dict) -> str:
    r = c.post(path, json={"input": body})
    assert r.status_code == 200, r.text
    assert r.json()["sessionID"] == r.json()["request_id"]
    return str(r.json()["request_id"])


def completed(c: httpx.Client, rid: str, path: str = VIDEO_STATUS, timeout: float = 300) -> dict:
    done = wait_status(c, rid, timeout=timeout, path=path)
    assert done["status"] == "COMPLETED", done.get("message", done)
    return done


def mp4(url: str, tmp: Path) -> dict:
    path = tmp / url.rsplit("/", 1)[-1]
    path.write_bytes(httpx.get(url, timeout=60).content)
    info = probe_media(path)
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac", info
    return info


def test_image_generation_and_status(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        rid = accepted(c, "/v2/external/image/text_to_image",
                       {"prompt": "A lighthouse at dusk", "aspect_ratio": "9:16"})
        done = completed(c, rid, "/v2/external/image/status")
        assert done["provider"].startswith("LOCAL")
        img = Image.open(io.BytesIO(httpx.get(done["result_url"], timeout=30).content))
        assert img.height > img.width
        refused = c.post("/v2/external/image/generate", json={"input": {"prompt": "x", "image_model": "NOPE"}})
        assert refused.status_code == 400 and refused.json()["field"] == "image_model"
        wrong_kind = c.get(VIDEO_STATUS, params={"request_id": rid})
        assert wrong_kind.status_code == 400 and wrong_kind.json()["field"] == "request_id"


def test_image_to_video_lip_sync_and_sound_effect(
    server: ReelforgeServer, fixture_http: FixtureHTTP, tmp_path: Path
) -> None:
    key = server.new_key(credits=50_000)
    still = fixture_http.serve_bytes("/gateway/narrator.png", png_bytes(640, 480, seed=5), "image/png")
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-pix_fmt", "yuv420p", str(clip)])
    clip_url = fixture_http.serve_bytes("/gateway/clip.mp4", clip.read_bytes(), "video/mp4")
    with server.client(key, timeout=60) as c:
        speech_id = accepted(c, "/v2/external/audio/text_to_speech", {"text": "Welcome aboard, the tour starts now."})
        speech = completed(c, speech_id, "/v2/external/audio/status")

        video_id = accepted(c, "/v2/external/video/image_to_video",
                            {"image_urls": [still], "aspect_ratio": "9:16", "language": "en"})
        # Both priced from their inputs' measured durations: the quote is what the call then charges.
        quoted, charged, answer = quote_then_charge(c, "/v2/external/video/lip_sync", {"input": {
            "video_url": still, "audio_url": speech["audio_url"], "aspect_ratio": "9:16"}})
        assert quoted == charged > 0
        lip_id = answer["request_id"]
        quoted, charged, answer = quote_then_charge(c, "/v2/external/video/sound_effect", {"input": {
            "video_url": clip_url, "prompt": "crackling campfire and wind"}})
        assert quoted == charged > 0
        sfx_id = answer["request_id"]

        lip = completed(c, lip_id)
        info = mp4(lip["result_url"], tmp_path)
        assert info["height"] > info["width"] and abs(info["duration"] - speech["duration"]) < 0.3
        assert "envelope" in lip["method"] and "lip sync" in lip["provider"] and lip["mouth_open_frames"] > 5

        sfx = completed(c, sfx_id)
        info = mp4(sfx["result_url"], tmp_path)
        assert sfx["sound_effects"] == ["fire", "wind"] and abs(info["duration"] - 2) < 0.2
        assert (info["width"], info["height"]) == (320, 240)

        video = completed(c, video_id, timeout=400)
        info = mp4(video["result_url"], tmp_path)
        assert info["height"] > info["width"]
        detailed = c.get("/v2/external/video/status_detailed", params={"request_id": video_id})
        assert detailed.status_code == 200 and detailed.json()["status"] == "COMPLETED"
        lip_detailed = c.get("/v2/external/video/status_detailed", params={"request_id": lip_id}).json()
        assert lip_detailed["status"] == "COMPLETED"

        for path, body, field in (
            ("/v2/external/video/lip_sync", {"video_url": still}, "audio_url"),
            ("/v2/external/video/lip_sync", {"video_url": still, "audio_url": still}, "audio_url"),
            ("/v2/external/video/lip_sync", {"video_url": clip_url, "audio_url": speech["audio_url"],
                                             "aspect_ratio": "4:3"}, "aspect_ratio"),
            ("/v2/external/video/sound_effect", {"video_url": clip_url}, "prompt"),
            ("/v2/external/video/sound_effect", {"prompt": "rain"}, "video_url"),
        ):
            refused = c.post(path, json={"input": body})
            assert refused.status_code == 400 and refused.json()["field"] == field, (path, refused.text)
