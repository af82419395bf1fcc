"""Generated frames: outro CTA card, footer QR strip, narrator avatar (typography: tests/text)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image, ImageDraw

from reelforge.imaging.cards import avatar_look, render_footer_card, render_narrator_avatar, render_outro_card

CTA_URL = "https://example.com/shop/linen-travel-shirt?utm_source=reel"


def decode_qr(image: np.ndarray) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return str(text)


def load_bgr(path: Path) -> np.ndarray:
    return cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2BGR)


def downscale(image: np.ndarray, width: int) -> np.ndarray:
    height = round(image.shape[0] * width / image.shape[1])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def h264_roundtrip(image: Image.Image, tmp_path: Path, crf: int = 28) -> np.ndarray:
    """Encode one frame with libx264 (yuv420p) and decode it back, as a video player would."""
    src, mp4 = tmp_path / "frame.png", tmp_path / "frame.mp4"
    image.convert("RGB").save(src)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(src), "-c:v", "libx264", "-crf", str(crf),
                    "-pix_fmt", "yuv420p", str(mp4)], check=True)
    capture = cv2.VideoCapture(str(mp4))
    ok, frame = capture.read()
    capture.release()
    assert ok
    return frame


def make_logo(path: Path) -> Path:
    logo = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((0, 0, 299, 119), radius=30, fill=(255, 255, 255, 255))
    draw.ellipse((20, 20, 100, 100), fill=(220, 40, 60, 255))
    logo.save(path)
    return path


def make_photo(path: Path) -> Path:
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (400, 600, 3), dtype=np.uint8)
    Image.fromarray(photo).save(path)
    return path


@pytest.mark.parametrize(("width", "height"), [(1792, 1024), (1024, 1792)])
def test_outro_card_qr_decodes_to_the_exact_url(tmp_path: Path, width: int, height: int) -> None:
    out = render_outro_card(width, height, CTA_URL, "Scan to shop Linen Travel Shirt", "example.com",
                            logo=make_logo(tmp_path / "logo.png"), font_key="Poppins", language="en",
                            out_path=tmp_path / "outro.png")
    image = load_bgr(out)
    assert image.shape[:2] == (height, width)
    assert decode_qr(image) == CTA_URL
    assert decode_qr(downscale(image, 640)) == CTA_URL


def test_outro_card_over_a_background_image_in_thai(tmp_path: Path) -> None:
    out = render_outro_card(1792, 1024, CTA_URL, "สแกนเพื่อช้อป Linen Travel Shirt", "ลดราคาพิเศษ",
                            logo=None, font_key=None, language="th", out_path=tmp_path / "outro.png",
                            background=make_photo(tmp_path / "bg.png"))
    image = load_bgr(out)
    assert decode_qr(downscale(image, 640)) == CTA_URL
    assert image.std() > 20


def test_outro_card_text_is_readable(tmp_path: Path) -> None:
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    out = render_outro_card(1792, 1024, CTA_URL, "Scan to shop Linen Travel Shirt", "Limited drop",
                            logo=None, font_key="Montserrat", language="en", out_path=tmp_path / "outro.png")
    result, _ = rapidocr.RapidOCR()(str(out))
    text = " ".join(item[1] for item in result or []).lower()
    assert "scan to shop" in text and "limited drop" in text


@pytest.mark.parametrize(("width", "height", "canvas_h"), [(1792, 164, 1024), (1024, 287, 1792)])
def test_footer_card_qr_survives_h264_at_canvas_size(tmp_path: Path, width: int, height: int, canvas_h: int) -> None:
    url = "https://example.com/book?ref=footer"
    out = render_footer_card(width, height, url, "Book your stay", None, "en", tmp_path / "footer.png")
    strip = Image.open(out)
    assert strip.mode == "RGBA" and strip.size == (width, height)
    assert decode_qr(load_bgr(out)) == url

    # composite the strip onto a busy scene frame the way the renderer overlays it
    frame = Image.open(make_photo(tmp_path / "scene.png")).resize((width, canvas_h)).convert("RGBA")
    frame.alpha_composite(strip, (0, canvas_h - height))
    decoded = h264_roundtrip(frame, tmp_path)
    assert decode_qr(decoded) == url


def test_footer_card_without_text_shows_the_host(tmp_path: Path) -> None:
    out = render_footer_card(1792, 164, "https://www.example.com/x", None, None, "en", tmp_path / "f.png")
    assert decode_qr(load_bgr(out)) == "https://www.example.com/x"


def test_narrator_avatar_is_a_transparent_figure(tmp_path: Path) -> None:
    first = Image.open(render_narrator_avatar(256, seed=11, out_path=tmp_path / "a.png"))
    again = Image.open(render_narrator_avatar(256, seed=11, out_path=tmp_path / "b.png"))
    other = Image.open(render_narrator_avatar(256, seed=12, out_path=tmp_path / "c.png"))

    assert first.mode == "RGBA" and first.size == (256, 256)
    alpha = np.asarray(first.getchannel("A"))
    assert (alpha == 0).mean() > 0.2  # background is transparent
    assert (alpha == 255).mean() > 0.3  # the figure is opaque
    assert alpha[0, 0] == 0 and alpha[-1, 128] == 255  # corners empty, shoulders at the bottom
    rgb = np.asarray(first.convert("RGB"), dtype=np.int32)[alpha == 255] // 32
    assert len(np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])) >= 6  # skin, hair, outfit…
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_people_that_look_unlike_differ_at_footer_size(tmp_path: Path) -> None:
    """regenerate_avatar draws until ``looks_unlike`` holds: every such pair differs visibly at the size a
    footer shows them, while pairs in the same outfit or with the same face may not."""
    seeds = range(30)
    looks = {seed: avatar_look(seed) for seed in seeds}
    figures = {seed: np.asarray(Image.open(render_narrator_avatar(96, seed, tmp_path / f"{seed}.png")).convert("RGB"),
                                dtype=np.int16) for seed in seeds}
    unlike, alike = [], []
    for a in seeds:
        for b in seeds[a + 1:]:
            difference = float(np.abs(figures[a] - figures[b]).mean())
            (unlike if looks[a].looks_unlike(looks[b]) else alike).append(difference)
    assert len(unlike) > 0.8 * (len(unlike) + len(alike))  # most draws already are new people
    assert min(unlike) > 6 and min(alike) < 3, (min(unlike), sorted(alike)[:3])
