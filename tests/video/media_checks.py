"""Checks on rendered files: extract frames, decode QR codes, OCR text."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np


def frame_at(video: Path, t: float, out: Path) -> np.ndarray:
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-ss",
            f"{t:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    img = cv2.imread(str(out))
    assert img is not None, f"no frame at {t}s"
    return img


def decode_qr(img: np.ndarray) -> str:
    detector = cv2.QRCodeDetector()
    for candidate in (img, cv2.resize(img, None, fx=0.5, fy=0.5)):
        text, _, _ = detector.detectAndDecode(candidate)
        if text:
            return str(text)
    return ""


def decode_qr_in(img: np.ndarray, y0: float, y1: float) -> str:
    """Decode a QR code inside a horizontal band (fractions of the height), e.g. the footer row."""
    h = img.shape[0]
    return decode_qr(img[int(h * y0) : int(h * y1)])


@cache
def _ocr() -> object:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def ocr_text(img: np.ndarray) -> str:
    result, _ = _ocr()(img)  # type: ignore[operator]
    return " ".join(str(line[1]) for line in (result or [])).lower()
