"""Image providers for text_to_video scenes.

* :class:`LocalIllustrator` (image model key ``LOCAL``) paints a deterministic illustration per
  scene offline: a palette derived from the scene text, layered gradients and glows, soft
  shapes and bokeh, grain, a vignette and the scene title in large type.
* :class:`OpenAIImageProvider` asks an OpenAI-compatible ``/v1/images/generations`` endpoint.
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from reelforge.core.hashing import stable_int
from reelforge.imaging.cards import Palette, add_grain, cover, paint_backdrop, palette_for, save_image
from reelforge.providers.openai_compat import OpenAICompatClient, ProviderError
from reelforge.text.languages import BY_CODE, detect_language
from reelforge.text.languages import language as language_row
from reelforge.text.typography import draw_text_block, fit_text

LOCAL_IMAGE_MODEL = "LOCAL"


class ImageProvider(Protocol):
    def generate(self, prompt: str, width: int, height: int, seed: int, out_path: Path, *,
                 title: str | None = None, language: str = "auto", font_key: str | None = None) -> Path:
        """Write a ``width``×``height`` image for ``prompt`` to ``out_path`` and return it.

        ``title`` is the on-screen title of the scene (providers that draw text use it; others
        may ignore it), ``language``/``font_key`` choose its font.
        """
        ...


def title_from_prompt(prompt: str, max_words: int = 8) -> str:
    """The first line/sentence of ``prompt``, shortened to a title."""
    first = prompt.strip().splitlines()[0] if prompt.strip() else ""
    for stop in (". ", "。", "! ", "? "):
        first = first.split(stop)[0]
    words = first.split()
    return " ".join(words[:max_words]) if len(words) > 1 else first[:24]


# --------------------------------------------------------------------------------------------
# Local illustrator
# --------------------------------------------------------------------------------------------


def _rgba(colour: tuple[int, int, int], alpha: int) -> tuple[int, int, int, int]:
    return colour[0], colour[1], colour[2], alpha


def _draw_orbs(draw: ImageDraw.ImageDraw, w: int, h: int, palette: Palette, rng: random.Random) -> None:
    for _ in range(rng.randint(3, 5)):
        r = rng.uniform(0.12, 0.32) * min(w, h)
        cx, cy = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 1.1) * h
        colour = rng.choice((palette.accent, palette.glow, palette.mid))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(colour, rng.randint(45, 95)))
        if rng.random() < 0.5:
            ring = r * rng.uniform(1.1, 1.4)
            draw.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=_rgba(palette.glow, 70),
                         width=max(2, int(min(w, h) * 0.006)))


def _draw_waves(draw: ImageDraw.ImageDraw, w: int, h: int, palette: Palette, rng: random.Random) -> None:
    bands = rng.randint(3, 4)
    for index in range(bands):
        base = h * (0.55 + 0.12 * index)
        amplitude = h * rng.uniform(0.04, 0.1)
        period = w * rng.uniform(0.6, 1.3)
        phase = rng.uniform(0, 2 * math.pi)
        points = [(x, base + amplitude * math.sin(2 * math.pi * x / period + phase)) for x in range(0, w + 16, 16)]
        colour = (palette.accent, palette.glow, palette.mid, palette.deep)[index % 4]
        draw.polygon([*points, (w, h), (0, h)], fill=_rgba(colour, 60 + 25 * index))


def _draw_arcs(draw: ImageDraw.ImageDraw, w: int, h: int, palette: Palette, rng: random.Random) -> None:
    cx, cy = rng.choice(((0, 0), (w, 0), (0, h), (w, h), (w * 0.8, h * 0.5)))
    step = min(w, h) * rng.uniform(0.09, 0.14)
    for index in range(1, 9):
        r = step * index
        colour = palette.accent if index % 3 == 0 else palette.glow
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_rgba(colour, 110 - 10 * index),
                     width=max(3, int(step * 0.18)))
    for _ in range(2):
        r = min(w, h) * rng.uniform(0.18, 0.3)
        x, y = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(palette.accent, 50))


def _draw_panels(draw: ImageDraw.ImageDraw, w: int, h: int, palette: Palette, rng: random.Random) -> None:
    for _ in range(rng.randint(3, 5)):
        pw, ph = rng.uniform(0.2, 0.45) * w, rng.uniform(0.2, 0.5) * h
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        colour = rng.choice((palette.accent, palette.glow, palette.mid))
        draw.rounded_rectangle((x, y, x + pw, y + ph), radius=int(min(pw, ph) * 0.2),
                               fill=_rgba(colour, rng.randint(40, 80)))


_MOTIFS = (_draw_orbs, _draw_waves, _draw_arcs, _draw_panels)


def _hero_layer(w: int, h: int, palette: Palette, rng: random.Random, mirrored: bool = False) -> Image.Image:
    """The focal object opposite the title: a shaded sphere ("sun"/"planet") or thick ring,
    sometimes with an orbit, and a soft halo. Built at quarter size with numpy and upscaled (it is all gradients)."""
    qw, qh = max(8, w // 4), max(8, h // 4)
    landscape = w >= h
    cx = qw * rng.uniform(0.68, 0.8) if landscape else qw * rng.uniform(0.4, 0.6)
    cy = qh * rng.uniform(0.4, 0.55) if landscape else qh * rng.uniform(0.68, 0.76)
    if mirrored:  # right-to-left title on the right: the object goes left
        cx = qw - cx
    radius = min(qw, qh) * rng.uniform(0.26, 0.36)
    ys, xs = np.mgrid[0:qh, 0:qw].astype(np.float32)
    dist = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / radius
    # light from the upper left: lighter towards (-0.4, -0.4) of the sphere
    shade = np.clip(np.sqrt((xs - cx + 0.4 * radius) ** 2 + (ys - cy + 0.4 * radius) ** 2) / (1.6 * radius), 0, 1)
    glow = np.asarray(palette.glow, np.float32)
    accent = np.asarray(palette.accent, np.float32)
    rgb = glow + (accent - glow) * shade[..., None]
    disc_alpha = np.clip((1.0 - dist) * radius / 1.5, 0, 1) * 0.92
    if rng.random() < 0.35:  # a thick ring instead of a full sphere
        inner = rng.uniform(0.55, 0.7)
        disc_alpha = disc_alpha * np.clip((dist - inner) * radius / 1.5, 0, 1)
    halo_alpha = np.exp(-np.maximum(dist - 1.0, 0) ** 2 / 0.18) * 0.35
    alpha = np.maximum(disc_alpha, halo_alpha)
    pixels = np.dstack([rgb, alpha * 255]).clip(0, 255).astype(np.uint8)
    # bilinear: bicubic overshoot draws a dark rim at the disc's edge
    layer = Image.fromarray(pixels, "RGBA").resize((w, h), Image.Resampling.BILINEAR)
    if rng.random() < 0.45:  # a planetary ring
        ring = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        scale_x, scale_y = w / qw, h / qh
        rx, ry = radius * 1.7 * scale_x, radius * 0.45 * scale_y
        x0, y0 = cx * scale_x, cy * scale_y
        ImageDraw.Draw(ring).ellipse((x0 - rx, y0 - ry, x0 + rx, y0 + ry), outline=_rgba(palette.glow, 170),
                                     width=max(3, int(min(w, h) * 0.012)))
        layer.alpha_composite(ring.rotate(rng.uniform(-25, 25), center=(x0, y0), resample=Image.Resampling.BICUBIC))
    return layer


def _shapes_layer(w: int, h: int, palette: Palette, rng: random.Random) -> Image.Image:
    """Soft translucent shapes plus out-of-focus bokeh, drawn at half size (they are blurred)."""
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    rng.choice(_MOTIFS)(draw, w, h, palette, rng)
    layer = layer.filter(ImageFilter.GaussianBlur(max(1, min(w, h) // 200)))
    bokeh = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    bokeh_draw = ImageDraw.Draw(bokeh)
    for _ in range(rng.randint(12, 26)):
        r = rng.uniform(0.006, 0.03) * w
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        colour = rng.choice((palette.glow, (255, 255, 255), palette.accent))
        bokeh_draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgba(colour, rng.randint(25, 95)))
    layer.alpha_composite(bokeh.filter(ImageFilter.GaussianBlur(max(2, min(w, h) // 90))))
    return layer


class LocalIllustrator:
    """Offline, deterministic scene illustrations (image model ``LOCAL``).

    Same (text, size, seed) → byte-identical image; a different text → a different palette,
    composition and title. Takes well under half a second at 1792×1024.
    """

    model_key = LOCAL_IMAGE_MODEL

    def __init__(self, font_key: str | None = None) -> None:
        self.font_key = font_key

    def generate(self, prompt: str, width: int, height: int, seed: int, out_path: Path, *,
                 title: str | None = None, language: str = "auto", font_key: str | None = None) -> Path:
        text = (title or title_from_prompt(prompt)).strip()
        if language not in BY_CODE:
            language = detect_language(text or prompt)
        key = f"{prompt}\x1f{text}"
        palette = palette_for(f"{key}\x1f{seed}")
        rng = random.Random(stable_int("illustration", key, seed))

        image = paint_backdrop(width, height, palette, rng.randrange(2**31), glows=rng.randint(2, 4)).convert("RGBA")
        half = (max(16, width // 2), max(16, height // 2))
        shapes = _shapes_layer(*half, palette, rng).resize((width, height), Image.Resampling.BICUBIC)
        image.alpha_composite(shapes)
        image.alpha_composite(_hero_layer(width, height, palette, rng, mirrored=language_row(language).rtl))
        if text:
            self._draw_title(image, text, language, font_key or self.font_key, palette)
        final = add_grain(image.convert("RGB"), seed=stable_int("grain", seed) % (2**32), amount=3.5)
        return save_image(final, out_path)

    @staticmethod
    def _draw_title(image: Image.Image, text: str, language: str, font_key: str | None, palette: Palette) -> None:
        width, height = image.size
        landscape = width >= height
        # Inset so the title stays inside the caption-free safe area on every frame of the
        # renderer's camera moves (pans shift the view by 12-16 % of a side) while the picture still
        # covers the frame: at 8 % from the edge a pan forced a shrunken picture over a blurred fill.
        # Portrait keeps clear of the right-hand column an app's buttons take.
        box_w = width * (0.52 if landscape else 0.58)
        max_size = int(height * 0.13) if landscape else int(width * 0.13)
        block = fit_text(text, font_key, language, box_w, height * (0.42 if landscape else 0.34),
                         max_size, min_size=max(14, max_size // 4), max_lines=4)
        rtl = block.stack.rtl
        inset = width * (0.18 if landscape else 0.16)
        x = (width - box_w - inset if rtl else inset) if landscape else inset
        # Upper-middle of the frame: the lower third is kept for subtitles.
        y = height * (0.42 if landscape else 0.36) - block.height / 2
        align = "left" if landscape else "center"
        if rtl and landscape:
            align = "right"
        bar_w, bar_h = int(min(width, height) * 0.09), max(4, height // 120)
        bar_x = {"left": int(x), "center": int(x + (box_w - bar_w) / 2), "right": int(x + box_w - bar_w)}[align]
        bar_y = int(y - bar_h - height * 0.03)
        ImageDraw.Draw(image).rounded_rectangle((bar_x, bar_y, bar_x + bar_w, bar_y + bar_h), radius=bar_h // 2,
                                                fill=_rgba(palette.accent, 255))
        draw_text_block(image, block, x, y, box_w, align=align, fill=(255, 255, 255, 255),
                        shadow=max(4, block.stack.size // 10))


# --------------------------------------------------------------------------------------------
# OpenAI-compatible image model
# --------------------------------------------------------------------------------------------


class OpenAIImageProvider:
    """Scene images from an OpenAI-compatible images endpoint (GPT Image, DALL·E, LocalAI, …).

    The returned image is scaled and centre-cropped to exactly ``width``×``height`` because
    models only offer a few sizes.
    """

    def __init__(self, client: OpenAICompatClient, model: str) -> None:
        self.client = client
        self.model = model

    def generate(self, prompt: str, width: int, height: int, seed: int, out_path: Path, *,
                 title: str | None = None, language: str = "auto", font_key: str | None = None) -> Path:
        data = self.client.generate_image(prompt, self.model, f"{width}x{height}")
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except OSError as exc:
            raise ProviderError(f"image model {self.model!r} returned bytes that are not an image") from exc
        return save_image(cover(image, width, height), out_path)
