"""Helpers shared by the image stages: reading stored inputs, publishing PNG results."""

from __future__ import annotations

from PIL import Image

from reelforge.imaging.png import png_bytes
from reelforge.stages.context import StageEnv


def open_input(env: StageEnv, key: str) -> Image.Image:
    """A stored input image, fully loaded (the blob file is not kept open)."""
    with Image.open(env.rt.blobs.path(key)) as img:
        img.load()
        return img.copy()


def publish_png(env: StageEnv, key: str, img: Image.Image) -> str:
    """Store ``img`` as PNG under ``key``; returns its public URL."""
    env.rt.blobs.put_bytes(key, png_bytes(img))
    return env.rt.blobs.url(key)
