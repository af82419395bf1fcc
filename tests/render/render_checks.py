"""Decoding helpers for render tests: grab a frame, read QR codes, OCR text."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from reelforge.render import probe_media
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.sessions.document import Canvas, SessionDocument

SMALL = Canvas(width=768, height=432, fps=30)


def assert_duration_exact(path: Path, doc: SessionDocument) -> dict[str, object]:
    info = probe_media(path, count_frames=True)
    assert info["video_codec"] == "h264"
    assert info["audio_codec"] == "aac"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (doc.canvas.width, doc.canvas.height)
    expected_frames = round(doc.duration * doc.canvas.fps)
    assert abs(int(info["frames"]) - expected_frames) <= 1
    assert abs(float(info["duration"]) - doc.duration) <= 1 / doc.canvas.fps + 0.03
    return info


def frame_at(video: Path, seconds: float) -> np.ndarray:
    """Decode one frame (BGR) at ``seconds`` with the pinned ffmpeg."""
    out = video.with_name(f"{video.stem}-{seconds:.2f}.png")
    run_ffmpeg(["-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(out)], what="frame grab")
    image = cv2.imread(str(out))
    assert image is not None
    return image


def decode_qr(image: np.ndarray) -> str:
    """QR text, trying the frame as is and enlarged (small footer codes after H.264)."""
    detector = cv2.QRCodeDetector()
    for scale in (1, 2, 3):
        candidate = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale > 1 else image
        text, _, _ = detector.detectAndDecode(candidate)
        if text:
            return str(text)
    return ""


_ocr_engine: list[object] = []


def ocr_text(image: np.ndarray) -> str:
    from rapidocr_onnxruntime import RapidOCR

    if not _ocr_engine:
        _ocr_engine.append(RapidOCR())
    result, _ = _ocr_engine[0](image)  # type: ignore[operator]
    return " ".join(str(line[1]) for line in result or [])
