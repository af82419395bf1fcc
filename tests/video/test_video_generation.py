"""Video generation through HTTP with real workers; the rendered files are checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reelforge.render.probe import measure_loudness, probe_media
from support import ReelforgeServer, submit
from support.media import decode_qr, decode_qr_in, download, frame_at, ocr_text, product_photo
from support.servers import TEST_FPS

CTA = "https://shop.example.com/linen?utm=reel"
FOOTER = "https://shop.example.com/f"


@pytest.mark.parametrize(("aspect", "canvas"), [("16:9", (1792, 1024)), ("9:16", (1024, 1792))])
def test_image_list_video_with_qr_outro_footers_and_subtitles(
    server: ReelforgeServer, tmp_path: Path, aspect: str, canvas: tuple[int, int]
) -> None:
    key = server.new_key(credits=5000)
    status = submit(
        server,
        key,
        "/v1/video/image_list_to_video",
        {
            "image_urls": [
                product_photo(0),
                {"image_url": product_photo(1), "title": "Breathable linen"},
                {"url": product_photo(2), "title": "Packs flat"},
            ],
            "metadata": {"product": "linen travel shirt", "brand": "Northwind"},
            "language": "en",
            "aspect_ratio": aspect,
            "generate_outro_image": True,
            "cta_url": CTA,
            "cta_text_top": "Scan to shop",
            "add_footer_animation": True,
            "footer_metadata": [{"url": FOOTER, "text": "Shop now"}],
        },
    )
    assert status["status"] == "COMPLETED", status
    assert status["has_subtitles"] is True and status["result_language"] == "en"
    video = download(status["result_url"], tmp_path / "out.mp4")
    info = probe_media(video)
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
    assert (info["width"], info["height"]) == canvas
    assert info["fps"] == TEST_FPS  # the server's REELFORGE_VIDEO_FPS (30 by default; tests/support/servers.py)
    assert info["duration"] == pytest.approx(status["duration"], abs=1 / TEST_FPS + 0.05)
    # The server's REELFORGE_VIDEO_PRESET (ultrafast on test servers) reached x264, whose settings
    # are written into the stream: ultrafast turns CABAC off, veryfast keeps it on.
    assert b"cabac=0" in video.read_bytes()

    outro = frame_at(video, info["duration"] - 0.6, tmp_path / "outro.png")
    assert decode_qr(outro) == CTA
    mid_first_scene = frame_at(video, 1.0, tmp_path / "scene.png")  # while the first line is spoken
    assert decode_qr_in(mid_first_scene, 0.75, 1.0) == FOOTER
    # The footer says "Shop now": any product word read here comes from the burned subtitle.
    letters = re.sub(r"[^a-z]", "", ocr_text(mid_first_scene))  # OCR may merge words; compare letters
    assert any(word in letters for word in ("linen", "travel", "shirt", "northwind")), letters


def test_subtitles_disabled_leaves_frames_clean(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=5000)
    status = submit(
        server,
        key,
        "/v1/video/image_list_to_video",
        {
            "image_urls": [product_photo(0), product_photo(1)],
            "metadata": {"product": "linen travel shirt"},
            "language": "en",
            "enable_subtitles": False,
            "aspect_ratio": "banana",
        },
    )
    assert status["status"] == "COMPLETED", status
    assert status["has_subtitles"] is False and status["aspect_ratio"] == "16:9"  # invalid ratio → 16:9
    video = download(status["result_url"], tmp_path / "nosubs.mp4")
    assert ocr_text(frame_at(video, 1.0, tmp_path / "f.png")).strip() == ""
    loudness, peak = measure_loudness(video)
    assert loudness == pytest.approx(-14, abs=1) and peak <= -0.9


@pytest.mark.parametrize(
    ("language", "prompt"),
    [
        ("en", "A calm morning coffee ritual with our new ceramic pour-over"),
        ("es", "Un ritual de café por la mañana con nuestra nueva cafetera de cerámica"),
        ("th", "กาแฟยามเช้าแสนสบายกับดริปเปอร์เซรามิกใหม่ของเรา"),
    ],
)
def test_text_to_video_languages(server: ReelforgeServer, tmp_path: Path, language: str, prompt: str) -> None:
    key = server.new_key(credits=5000)
    status = submit(
        server,
        key,
        "/v1/video/text_to_video",
        {"prompt": prompt, "duration": 10, "language": language, "image_model": "LOCAL", "video_model": "LOCAL"},
    )
    assert status["status"] == "COMPLETED", status
    assert status["result_language"] == language
    info = probe_media(download(status["result_url"], tmp_path / f"{language}.mp4"))
    assert info["duration"] == pytest.approx(10, abs=2.5)
