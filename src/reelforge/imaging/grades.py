"""Photographic colour grades on float RGB arrays (0..1).

Each grade is deliberately gentle — these are for marketing image sets, so they must stay
believable: white balance shifts, tone curves, split toning, a soft vignette.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

Grade = Callable[[np.ndarray], np.ndarray]

_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb @ _LUMA)[..., None]


def _saturate(rgb: np.ndarray, amount: float) -> np.ndarray:
    luma = _luma(rgb)
    return luma + (rgb - luma) * amount


def _s_curve(rgb: np.ndarray, strength: float) -> np.ndarray:
    """Contrast around mid-grey with a smooth (smoothstep-blended) curve."""
    smooth = rgb * rgb * (3 - 2 * rgb)
    return rgb + (smooth - rgb) * strength


def _white_balance(rgb: np.ndarray, r: float, g: float, b: float) -> np.ndarray:
    return rgb * np.array([r, g, b], dtype=np.float32)


def _vignette(rgb: np.ndarray, strength: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    radius = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2) / np.sqrt(2)
    return rgb * (1 - strength * np.clip(radius, 0, 1)[..., None] ** 2)


def _split_tone(rgb: np.ndarray, shadows: tuple[float, float, float], highlights: tuple[float, float, float],
                amount: float) -> np.ndarray:
    luma = _luma(rgb)
    shadow_tint = np.array(shadows, dtype=np.float32) * (1 - luma)
    highlight_tint = np.array(highlights, dtype=np.float32) * luma
    return rgb + amount * (shadow_tint + highlight_tint)


def natural(rgb: np.ndarray) -> np.ndarray:
    """Auto levels (0.5 % clip) and a touch of vibrance."""
    low, high = np.percentile(rgb, [0.5, 99.5])
    stretched = (rgb - low) / max(1e-3, high - low)
    return _saturate(_s_curve(np.clip(stretched, 0, 1), 0.15), 1.08)


def warm(rgb: np.ndarray) -> np.ndarray:
    return _vignette(_s_curve(_white_balance(rgb, 1.07, 1.01, 0.88), 0.2), 0.18)


def cool(rgb: np.ndarray) -> np.ndarray:
    return _s_curve(_saturate(_white_balance(rgb, 0.92, 0.99, 1.08), 0.95), 0.15)


def matte(rgb: np.ndarray) -> np.ndarray:
    """Lifted blacks, softened highlights, muted colour: the 'editorial' look."""
    return 0.07 + 0.86 * _saturate(rgb, 0.82)


def vivid(rgb: np.ndarray) -> np.ndarray:
    return _s_curve(_saturate(rgb, 1.35), 0.35)


def teal_orange(rgb: np.ndarray) -> np.ndarray:
    return _s_curve(_split_tone(rgb, (-0.06, 0.02, 0.07), (0.08, 0.02, -0.06), 1.0), 0.25)


def mono(rgb: np.ndarray) -> np.ndarray:
    return np.repeat(_s_curve(_luma(rgb), 0.4), 3, axis=2)


def golden_hour(rgb: np.ndarray) -> np.ndarray:
    glow = _white_balance(rgb, 1.1, 1.0, 0.8) + 0.04
    return _vignette(_saturate(glow, 1.1), 0.25)


def faded_film(rgb: np.ndarray) -> np.ndarray:
    return _split_tone(0.05 + 0.88 * _saturate(rgb, 0.75), (0.0, 0.03, 0.05), (0.05, 0.03, -0.02), 1.0)


GRADES: dict[str, Grade] = {
    "natural": natural,
    "warm": warm,
    "cool": cool,
    "vivid": vivid,
    "matte": matte,
    "teal_orange": teal_orange,
    "golden_hour": golden_hour,
    "mono": mono,
    "faded_film": faded_film,
}


def apply_grade(img: Image.Image, name: str) -> Image.Image:
    """Apply grade ``name`` (a key of :data:`GRADES`) to an RGB image."""
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
    graded = GRADES[name](rgb)
    return Image.fromarray((np.clip(graded, 0, 1) * 255 + 0.5).astype(np.uint8))
