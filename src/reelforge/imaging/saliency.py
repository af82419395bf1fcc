"""Saliency maps and saliency-aware reframing.

opencv-python's core build has no ``cv2.saliency`` (that lives in opencv-contrib), so the
spectral-residual method (Hou & Zhang, CVPR 2007) is implemented here with numpy's FFT and
combined with a Lab colour-contrast map and a mild centre prior.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

Box = tuple[int, int, int, int]

_WORK_SIDE = 128  # saliency is computed on a small copy: it only needs the coarse layout


class AspectRatioError(ValueError):
    """An ``aspect_ratio`` value that is not ``W:H`` with positive numbers."""


@dataclass(frozen=True)
class AspectRatio:
    width: float
    height: float

    @property
    def value(self) -> float:
        return self.width / self.height

    def __str__(self) -> str:
        return f"{self.width:g}:{self.height:g}"


def parse_aspect_ratio(text: str) -> AspectRatio:
    """``"16:9"``, ``"16x9"``, ``"16/9"`` or ``"1.91:1"`` (also a bare number like ``"1.5"``)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:[:x/×]\s*(\d+(?:\.\d+)?))?\s*", str(text))
    if not match:
        raise AspectRatioError(f"aspect_ratio must look like '16:9', got {text!r}")
    width = float(match.group(1))
    height = float(match.group(2)) if match.group(2) else 1.0
    if width <= 0 or height <= 0 or not 0.1 <= width / height <= 10:
        raise AspectRatioError(f"aspect_ratio {text!r} is out of range (between 1:10 and 10:1)")
    return AspectRatio(width, height)


def _small(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = _WORK_SIDE / max(h, w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def spectral_residual(gray: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency of a small float grayscale image, normalised to 0..1."""
    spectrum = np.fft.fft2(gray)
    log_amplitude = np.log(np.abs(spectrum) + 1e-8)
    phase = np.angle(spectrum)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    saliency = cv2.GaussianBlur(saliency, (0, 0), 2.5)
    return _normalise(saliency)


def colour_contrast(rgb_small: np.ndarray) -> np.ndarray:
    """Distance of each (blurred) pixel's Lab colour from the image's mean colour."""
    lab = cv2.GaussianBlur(cv2.cvtColor(rgb_small, cv2.COLOR_RGB2LAB).astype(np.float32), (0, 0), 2.0)
    distance: np.ndarray = np.linalg.norm(lab - lab.reshape(-1, 3).mean(axis=0), axis=2)
    return _normalise(distance)


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def saliency_map(img: Image.Image) -> np.ndarray:
    """A 0..1 saliency map at a small working size (about 128 px on the long side)."""
    small = _small(np.asarray(img.convert("RGB")))
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    h, w = gray.shape
    yy, xx = np.mgrid[0:h, 0:w]
    centre = np.exp(-(((xx - w / 2) / (0.6 * w)) ** 2 + ((yy - h / 2) / (0.6 * h)) ** 2))
    combined = (0.5 * spectral_residual(gray) + 0.5 * colour_contrast(small)) * (0.6 + 0.4 * centre)
    return _normalise(cv2.GaussianBlur(combined.astype(np.float32), (0, 0), 1.5))


def crop_window(
    size: tuple[int, int],
    aspect: float,
    saliency: np.ndarray,
    zoom: float = 1.0,
    shift: float = 0.0,
) -> Box:
    """The crop box of ``aspect`` inside an image of ``size``.

    ``zoom`` (0.3..1) shrinks the largest fitting window; the window is placed where it holds
    the most saliency, then moved by ``shift`` (-1..1) of the remaining free travel, which gives
    distinct yet still subject-aware framings.
    """
    width, height = size
    if width / height > aspect:
        exact_w, exact_h = height * aspect, float(height)
    else:
        exact_w, exact_h = float(width), width / aspect
    zoom = min(1.0, max(0.3, zoom))
    crop_w, crop_h = max(1, round(exact_w * zoom)), max(1, round(exact_h * zoom))

    sal_h, sal_w = saliency.shape
    sx, sy = sal_w / width, sal_h / height
    win_w, win_h = max(1, round(crop_w * sx)), max(1, round(crop_h * sy))
    win_w, win_h = min(win_w, sal_w), min(win_h, sal_h)
    integral = cv2.integral(saliency.astype(np.float64))
    # Saliency inside every window position at once, from the integral image.
    sums = (
        integral[win_h:, win_w:]
        - integral[: sal_h + 1 - win_h, win_w:]
        - integral[win_h:, : sal_w + 1 - win_w]
        + integral[: sal_h + 1 - win_h, : sal_w + 1 - win_w]
    )
    best_y, best_x = np.unravel_index(int(np.argmax(sums)), sums.shape)
    best_xy = (int(best_x), int(best_y))
    x0 = best_xy[0] / sx
    y0 = best_xy[1] / sy
    free_x, free_y = width - crop_w, height - crop_h
    x0 += shift * free_x * 0.5
    y0 += shift * free_y * 0.5
    x0 = int(round(min(max(0.0, x0), free_x)))
    y0 = int(round(min(max(0.0, y0), free_y)))
    return x0, y0, x0 + crop_w, y0 + crop_h


def reframe(
    img: Image.Image,
    aspect: float,
    zoom: float = 1.0,
    shift: float = 0.0,
    saliency: np.ndarray | None = None,
) -> Image.Image:
    """Crop ``img`` to ``aspect`` keeping its salient subject in frame."""
    sal = saliency if saliency is not None else saliency_map(img)
    return img.crop(crop_window(img.size, aspect, sal, zoom, shift))


def cover(img: Image.Image, size: tuple[int, int], saliency: np.ndarray | None = None) -> Image.Image:
    """Saliency-aware "object-fit: cover" into exactly ``size``."""
    cropped = reframe(img.convert("RGB"), size[0] / size[1], saliency=saliency)
    return cropped.resize(size, Image.Resampling.LANCZOS)
