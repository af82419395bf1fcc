"""Preparing still images for the lanes.

Every lane frame must have one size and pixel format (ffmpeg re-initialises a filter graph when an
input's frame size changes). Lane stills are written as PGMYUV (yuv420p planes behind a PGM header,
BT.709 TV range): decoding is a plain copy and no colour conversion is left for ffmpeg to do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# PNG at compression 1: written and decoded once per layer, so speed beats size.
_PNG_LEVEL = 1


def even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        img = ImageOps.exif_transpose(opened)
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (0, 0, 0))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return img.convert("RGB")


def save_pgmyuv(img: Image.Image, out: Path) -> Path:
    """Write ``img`` (even width/height) as PGMYUV: Y plane, then per chroma row U then V."""
    rgb = np.asarray(img.convert("RGB"), dtype=np.float32)
    height, width = rgb.shape[:2]
    if width % 2 or height % 2:
        raise ValueError("PGMYUV needs even dimensions")
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    cb = (rgb[..., 2] - luma) / 1.8556
    cr = (rgb[..., 0] - luma) / 1.5748

    def subsample(plane: np.ndarray) -> np.ndarray:
        quads = plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))
        return np.clip(np.rint(128 + quads * 224 / 255), 16, 240).astype(np.uint8)

    y_plane = np.clip(np.rint(16 + luma * 219 / 255), 16, 235).astype(np.uint8)
    chroma = np.concatenate([subsample(cb), subsample(cr)], axis=1)  # each row: U then V
    with out.open("wb") as handle:
        handle.write(f"P5\n{width} {height * 3 // 2}\n255\n".encode("ascii"))
        handle.write(y_plane.tobytes())
        handle.write(chroma.tobytes())
    return out


def cover(source: Path, size: tuple[int, int], out: Path) -> Path:
    """Scale to fill ``size`` and centre-crop the excess (scene stills); writes PGMYUV."""
    return save_pgmyuv(ImageOps.fit(_open_rgb(source), size, Image.Resampling.LANCZOS), out)


def contain_centered(source: Path, inner: tuple[int, int], size: tuple[int, int], out: Path) -> Path:
    """Fit the whole image inside ``inner`` and centre it on a black ``size`` frame (PGMYUV): outro/CTA
    cards stay complete and, when already canvas-sized, pixel-exact (QR codes)."""
    img = _open_rgb(source)
    if img.size != inner:
        img = ImageOps.contain(img, inner, Image.Resampling.LANCZOS)
    frame = Image.new("RGB", size, (0, 0, 0))
    frame.paste(img, ((size[0] - img.width) // 2, (size[1] - img.height) // 2))
    return save_pgmyuv(frame, out)


def blank(size: tuple[int, int], out: Path) -> Path:
    """A black lane still (PGMYUV)."""
    return save_pgmyuv(Image.new("RGB", size, (0, 0, 0)), out)


def transparent(size: tuple[int, int], out: Path) -> Path:
    """An empty footer band (PNG with alpha)."""
    Image.new("RGBA", size, (0, 0, 0, 0)).save(out, compress_level=_PNG_LEVEL)
    return out


def footer_height(source: Path, canvas: tuple[int, int], max_fraction: float) -> int:
    """Height the footer card takes at the bottom of the canvas (its own size, shrunk to fit)."""
    with Image.open(source) as img:
        width, height = img.size
    scale = min(1.0, canvas[0] / width, canvas[1] * max_fraction / height)
    return even(height * scale)


def footer_band(source: Path, band: tuple[int, int], out: Path) -> Path:
    """The footer card on a transparent ``band`` (canvas width × band height), bottom-centred."""
    with Image.open(source) as img:
        card = img.convert("RGBA")
    scale = min(1.0, band[0] / card.width, band[1] / card.height)
    if scale < 1.0:
        card = card.resize((max(1, round(card.width * scale)), max(1, round(card.height * scale))),
                           Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", band, (0, 0, 0, 0))
    canvas.alpha_composite(card, ((band[0] - card.width) // 2, band[1] - card.height))
    canvas.save(out, compress_level=_PNG_LEVEL)
    return out
