"""Helpers shared by the image stages: reading stored inputs, publishing PNG results."""

from __future__ import annotations

import io

from PIL import Image

from reelforge.pipeline.registry import StageContext


def open_input(ctx: StageContext, key: str) -> Image.Image:
    """A stored input image, fully loaded (the blob file is not kept open)."""
    with Image.open(ctx.rt.blobs.path(key)) as img:
        img.load()
        return img.copy()


def png_bytes(img: Image.Image, compress_level: int = 3) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def publish_png(ctx: StageContext, key: str, img: Image.Image, compress_level: int = 3) -> str:
    """Store ``img`` as PNG under ``key``; returns its public URL."""
    ctx.rt.blobs.put_bytes(key, png_bytes(img, compress_level))
    return ctx.rt.blobs.url(key)
