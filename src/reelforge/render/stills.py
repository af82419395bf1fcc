"""Preparing still images for the lanes.

Every lane frame must have one size and pixel format (ffmpeg re-initialises a filter graph when an
input's frame size changes). Lane stills are written as PGMYUV (yuv420p planes behind a PGM header,
BT.709 TV range): decoding is a plain copy and no colour conversion is left for ffmpeg to do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from reelforge.imaging.png import save_png

# PNG at ISA-L's fastest level: written and decoded once per layer, so speed beats size.
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


# BT.709 luma weights; the chroma rows below follow from them (Cb = (B - Y) / 1.8556, Cr = (R - Y) / 1.5748).
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB
_Y_SCALE, _C_SCALE = 219 / 255, 224 / 255  # full range -> TV range
_Y_MATRIX = (_KR * _Y_SCALE, _KG * _Y_SCALE, _KB * _Y_SCALE, 16.0)
_CB_MATRIX = tuple(k * _C_SCALE / (2 * (1 - _KB)) for k in (-_KR, -_KG, 1 - _KB)) + (128.0,)
_CR_MATRIX = tuple(k * _C_SCALE / (2 * (1 - _KR)) for k in (1 - _KR, -_KG, -_KB)) + (128.0,)


def save_pgmyuv(img: Image.Image, out: Path) -> Path:
    """Write ``img`` (even width/height) as PGMYUV: Y plane, then per chroma row U then V.

    Each plane is one Pillow matrix conversion (C code, TV range folded into the matrix): a scene still
    took 0.22 s in float numpy and takes 0.02 s this way. Chroma is converted from the 2x2 box average
    (``reduce``), which equals averaging the full-size chroma since the conversion is linear.
    """
    rgb = img.convert("RGB")
    width, height = rgb.size
    if width % 2 or height % 2:
        raise ValueError("PGMYUV needs even dimensions")
    luma = rgb.convert("L", _Y_MATRIX)
    half = rgb.reduce(2)
    chroma = np.concatenate([np.asarray(half.convert("L", _CB_MATRIX)),  # each row: U then V
                             np.asarray(half.convert("L", _CR_MATRIX))], axis=1)
    with out.open("wb") as handle:
        handle.write(f"P5\n{width} {height * 3 // 2}\n255\n".encode("ascii"))
        handle.write(luma.tobytes())
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
    return save_png(Image.new("RGBA", size, (0, 0, 0, 0)), out, _PNG_LEVEL)


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
    return save_png(canvas, out, _PNG_LEVEL)
