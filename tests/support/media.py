"""Test media in (pictures, data URLs) and checks on media out (frames, QR codes, OCR)."""

from __future__ import annotations

import base64
import io
import subprocess
from functools import cache
from pathlib import Path

import cv2
import httpx
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw

from reelforge.imaging.png import png_bytes as fast_png_bytes
from reelforge.render.quality import frames_at
from support.servers import TLS

# --- media in ----------------------------------------------------------------------------------


def png_bytes(width: int, height: int, seed: int = 0) -> bytes:
    """A photo-like test image: smooth gradients plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=-1)
    noisy = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    return png_of(Image.fromarray(noisy))


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def png_of(img: Image.Image) -> bytes:
    """``img`` as PNG bytes, by the product's fast writer (Pillow's default level took ~0.1 s for a
    noisy 1024 px test photo, and the suite makes hundreds)."""
    return fast_png_bytes(img)


def image_data_url(img: Image.Image) -> str:
    """``img`` as a PNG data URL (what a request body carries when the test has no server to fetch from)."""
    return data_url(png_of(img))


def product_photo(seed: int, size: tuple[int, int] = (900, 700)) -> str:
    """A flat-colour "product" (disc and square) as a JPEG data URL; ``seed`` picks the colours."""
    colours = ["#e76f51", "#2a9d8f", "#264653", "#f4a261"]
    img = Image.new("RGB", size, colours[seed % 4])
    draw = ImageDraw.Draw(img)
    draw.ellipse((200, 150, 700, 550), fill=colours[(seed + 1) % 4])
    draw.rectangle((350, 250, 550, 450), fill=colours[(seed + 2) % 4])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return data_url(buf.getvalue(), "image/jpeg")


def download(url: str, path: Path) -> Path:
    path.write_bytes(httpx.get(url, timeout=60, verify=TLS).content)
    return path


# --- media out ---------------------------------------------------------------------------------


def assert_decodes_cleanly(video: Path) -> None:
    """Every packet of ``video`` decodes with no error (``ffmpeg -v error`` into the null muxer)."""
    decoded = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-f", "null", "-"],
                             capture_output=True, text=True, timeout=120)
    assert decoded.returncode == 0 and not decoded.stderr.strip(), decoded.stderr


def frame_at(video: Path, seconds: float, out: Path | None = None) -> np.ndarray:
    """The frame (BGR) shown at ``seconds``, decoded in process as the quality report does (the
    first frame at or after it, as ``ffmpeg -ss``); saved as ``out`` (default: next to the video)
    for a person to look at."""
    rgb = frames_at(video, [seconds]).get(seconds)
    assert rgb is not None, f"no frame at {seconds}s"
    image = np.ascontiguousarray(rgb[:, :, ::-1])
    cv2.imwrite(str(out or video.with_name(f"{video.stem}-{seconds:.2f}.png")), image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return image


def decode_qr(image: np.ndarray) -> str:
    """QR text, trying the frame as is, halved (big outro codes) and enlarged (small footer codes
    after H.264); "" when none decodes."""
    detector = cv2.QRCodeDetector()
    for scale in (1.0, 0.5, 2.0, 3.0):
        resized = scale != 1.0
        candidate = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if resized else image
        text, _, _ = detector.detectAndDecode(candidate)
        if text:
            return str(text)
    return ""


def decode_qr_in(image: np.ndarray, y0: float, y1: float) -> str:
    """Decode a QR code inside a horizontal band (fractions of the height), e.g. the footer row."""
    h = image.shape[0]
    return decode_qr(image[int(h * y0) : int(h * y1)])


@cache
def _ocr() -> object:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_text(image: np.ndarray) -> str:
    """Every line OCR reads in the image, joined by spaces, lower-cased."""
    result, _ = _ocr()(image)  # type: ignore[operator]
    return " ".join(str(line[1]) for line in (result or [])).lower()
