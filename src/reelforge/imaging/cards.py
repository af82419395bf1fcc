"""Pillow renderers for the generated frames of a video: outro CTA card, footer QR strip,
narrator avatar — plus the QR and backdrop helpers they share with the ``LOCAL`` illustrator
(:mod:`reelforge.providers.image`). Text is set by :mod:`reelforge.text.typography`.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from reelforge.core.hashing import stable_int
from reelforge.core.urls import url_host
from reelforge.imaging.png import save_png
from reelforge.text.typography import RGB, RGBA, draw_text_block, fit_text

QR_DARK: RGB = (12, 14, 24)
QR_LIGHT: RGB = (255, 255, 255)
QR_QUIET_ZONE = 4  # modules of light border the QR spec asks for

# --------------------------------------------------------------------------------------------
# Colour
# --------------------------------------------------------------------------------------------


def hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, max(0.0, min(1.0, lightness)), max(0.0, min(1.0, saturation)))
    return round(r * 255), round(g * 255), round(b * 255)


@dataclass(frozen=True)
class Palette:
    deep: RGB  # background shadows
    mid: RGB  # background body
    accent: RGB  # shapes, bars
    glow: RGB  # highlights, bokeh
    ink: RGB  # text on the background


def palette_for(key: str) -> Palette:
    """A harmonious palette derived from ``key`` (same key → same colours)."""
    rng = random.Random(stable_int("palette", key))
    hue = rng.random()
    scheme = rng.choice((0.08, 0.5, 0.33, 0.92))  # analogous, complementary, triadic, analogous-cool
    return Palette(
        deep=hls(hue, rng.uniform(0.10, 0.17), rng.uniform(0.55, 0.8)),
        mid=hls(hue + rng.uniform(-0.05, 0.05), rng.uniform(0.32, 0.42), rng.uniform(0.55, 0.75)),
        accent=hls(hue + scheme, rng.uniform(0.55, 0.65), rng.uniform(0.75, 0.95)),
        glow=hls(hue + scheme / 2, rng.uniform(0.72, 0.82), rng.uniform(0.7, 0.95)),
        ink=(255, 255, 255),
    )


# --------------------------------------------------------------------------------------------
# Backdrop painting (numpy at low resolution, upscaled: soft content needs no detail)
# --------------------------------------------------------------------------------------------


def _screen(base: np.ndarray, colour: RGB, alpha: np.ndarray) -> np.ndarray:
    col = np.asarray(colour, dtype=np.float32) / 255.0
    layer = 1.0 - (1.0 - base) * (1.0 - col)
    return base + (layer - base) * alpha[..., None]


def paint_backdrop(width: int, height: int, palette: Palette, seed: int, glows: int = 3) -> Image.Image:
    """A diagonal gradient with soft radial glows and a vignette, as an RGB image."""
    rng = random.Random(seed)
    lw, lh = max(16, width // 4), max(16, height // 4)
    ys, xs = np.mgrid[0:lh, 0:lw].astype(np.float32)
    xs /= lw - 1
    ys /= lh - 1
    angle = rng.uniform(0, 2 * np.pi)
    t = xs * np.cos(angle) + ys * np.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    t = t * t * (3 - 2 * t)  # smoothstep: no visible banding edge
    deep = np.asarray(palette.deep, dtype=np.float32) / 255.0
    mid = np.asarray(palette.mid, dtype=np.float32) / 255.0
    img = deep + (mid - deep) * t[..., None]
    aspect = lw / lh
    for index in range(glows):
        cx, cy = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95)
        radius = rng.uniform(0.22, 0.55)
        dist2 = ((xs - cx) * aspect) ** 2 + (ys - cy) ** 2
        strength = rng.uniform(0.35, 0.6)
        colour = palette.accent if index % 2 == 0 else palette.glow
        img = _screen(img, colour, strength * np.exp(-dist2 / (radius * radius)))
    dist = np.sqrt(((xs - 0.5) * aspect / max(aspect, 1.0)) ** 2 + (ys - 0.5) ** 2) / 0.75
    img *= (1.0 - 0.5 * np.clip(dist, 0, 1) ** 2.2)[..., None]
    small = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8), "RGB")
    return small.resize((width, height), Image.Resampling.BICUBIC)


@cache
def _grain_tile(seed: int, amount: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, amount, (_GRAIN_TILE, _GRAIN_TILE)).astype(np.int16)


_GRAIN_TILE = 256


def add_grain(image: Image.Image, seed: int, amount: float = 4.0) -> Image.Image:
    """Subtle film grain: hides gradient banding after H.264 and looks less synthetic.

    A cached noise tile is repeated over the frame: at this amplitude the repetition is
    invisible, and it is ~10× faster than drawing fresh noise for 1.8 M pixels.
    """
    tile = _grain_tile(seed % 64, round(amount, 2))
    reps = (image.height // _GRAIN_TILE + 1, image.width // _GRAIN_TILE + 1)
    noise = np.tile(tile, reps)[: image.height, : image.width, None]
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16) + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale and centre-crop ``image`` to exactly ``width``×``height``."""
    return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------------------------
# QR codes
# --------------------------------------------------------------------------------------------


def qr_image(data: str, side_px: int, error: str = "h", border: int = QR_QUIET_ZONE,
             dark: RGB = QR_DARK, light: RGB = QR_LIGHT) -> Image.Image:
    """A crisp QR code (whole-pixel modules, quiet zone included) no larger than ``side_px``."""
    qr = segno.make_qr(data, error=error)
    modules = np.asarray([list(row) for row in qr.matrix], dtype=bool)
    modules = np.pad(modules, border, constant_values=False)
    module_px = max(1, side_px // modules.shape[0])
    pixels = np.where(modules[..., None], np.asarray(dark, np.uint8), np.asarray(light, np.uint8))
    pixels = pixels.repeat(module_px, axis=0).repeat(module_px, axis=1)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _rounded_panel(size: tuple[int, int], radius: int, fill: RGBA) -> Image.Image:
    panel = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(panel).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=fill)
    return panel


def _soft_shadow(size: tuple[int, int], radius: int, blur: int, alpha: int = 110) -> Image.Image:
    pad = blur * 3
    shadow = Image.new("RGBA", (size[0] + 2 * pad, size[1] + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(shadow).rounded_rectangle(
        (pad, pad, pad + size[0], pad + size[1]), radius=radius, fill=(0, 0, 0, alpha)
    )
    return shadow.filter(ImageFilter.GaussianBlur(blur))


def _paste_qr_panel(canvas: Image.Image, qr: Image.Image, x: int, y: int, pad: int) -> tuple[int, int]:
    """A white rounded card holding ``qr`` at (x, y); returns the card's size."""
    size = (qr.width + 2 * pad, qr.height + 2 * pad)
    radius = max(6, pad)
    shadow = _soft_shadow(size, radius, blur=max(4, pad // 2))
    offset = max(4, pad // 2) * 3
    canvas.alpha_composite(shadow, (x - offset, y - offset + pad // 3))
    canvas.alpha_composite(_rounded_panel(size, radius, (*QR_LIGHT, 255)), (x, y))
    canvas.paste(qr, (x + pad, y + pad))
    return size


def _load_logo(logo: Path, max_w: int, max_h: int) -> Image.Image:
    image = Image.open(logo).convert("RGBA")
    image.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
    return image


# --------------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------------


def _card_background(width: int, height: int, key: str, background: Path | None) -> Image.Image:
    if background is not None:
        base = cover(Image.open(background), width, height).filter(ImageFilter.GaussianBlur(max(4, width // 160)))
        shade = Image.new("RGB", (width, height), palette_for(key).deep)
        return Image.blend(base, shade, 0.55).convert("RGBA")
    palette = palette_for(key)
    return add_grain(paint_backdrop(width, height, palette, stable_int("outro", key)), seed=7, amount=3).convert("RGBA")


def render_outro_card(width: int, height: int, cta_url: str, text_top: str | None, text_bottom: str | None,
                      logo: Path | None, font_key: str | None, language: str, out_path: Path,
                      background: Path | None = None) -> Path:
    """A branded call-to-action card: large scannable QR code of ``cta_url`` with the CTA texts
    (and an optional logo). Landscape canvases put the texts left of the code, others stack them."""
    canvas = _card_background(width, height, cta_url, background)
    accent = palette_for(cta_url).accent
    landscape = width >= height * 1.2
    unit = min(width, height)
    qr_side = int(min(height * 0.56, width * 0.42)) if landscape else int(min(width * 0.62, height * 0.36))
    qr = qr_image(cta_url, qr_side)
    pad = max(12, unit // 40)
    panel_w = qr.width + 2 * pad
    logo_img = _load_logo(logo, int(unit * 0.42), int(unit * 0.12)) if logo else None

    if landscape:
        margin = int(width * 0.07)
        column_w = width - panel_w - 3 * margin
        panel_x, panel_y = width - margin - panel_w, (height - panel_w) // 2
        top_block = fit_text(text_top or "", font_key, language, column_w, height * 0.42, int(height * 0.095))
        bottom_block = fit_text(text_bottom or "", font_key, language, column_w, height * 0.16,
                                int(height * 0.05), weight=500, max_lines=2)
        gap = int(height * 0.035)
        parts_h = (logo_img.height + gap if logo_img else 0) + top_block.height + gap + 8 + gap + bottom_block.height
        y = (height - parts_h) // 2
        if logo_img:
            canvas.alpha_composite(logo_img, (margin, y))
            y += logo_img.height + gap
        if text_top:
            draw_text_block(canvas, top_block, margin, y, column_w, shadow=max(3, unit // 200))
        y += top_block.height + gap
        ImageDraw.Draw(canvas).rounded_rectangle((margin, y, margin + int(unit * 0.12), y + 8), radius=4,
                                                 fill=accent)
        y += 8 + gap
        if text_bottom:
            draw_text_block(canvas, bottom_block, margin, y, column_w, fill=(255, 255, 255, 225))
        _paste_qr_panel(canvas, qr, panel_x, panel_y, pad)
    else:
        margin = int(width * 0.08)
        column_w = width - 2 * margin
        top_block = fit_text(text_top or "", font_key, language, column_w, height * 0.2, int(width * 0.085))
        bottom_block = fit_text(text_bottom or "", font_key, language, column_w, height * 0.1,
                                int(width * 0.05), weight=500, max_lines=2)
        gap = int(height * 0.03)
        parts_h = ((logo_img.height + gap) if logo_img else 0) + top_block.height + gap + panel_w + gap \
            + bottom_block.height
        y = (height - parts_h) // 2
        if logo_img:
            canvas.alpha_composite(logo_img, ((width - logo_img.width) // 2, y))
            y += logo_img.height + gap
        if text_top:
            draw_text_block(canvas, top_block, margin, y, column_w, align="center", shadow=max(3, unit // 200))
        y += top_block.height + gap
        _paste_qr_panel(canvas, qr, (width - panel_w) // 2, y, pad)
        y += panel_w + gap
        if text_bottom:
            draw_text_block(canvas, bottom_block, margin, y, column_w, align="center", fill=(255, 255, 255, 225))

    return save_image(canvas.convert("RGB"), out_path)


def render_footer_card(width: int, height: int, url: str, text: str | None, font_key: str | None,
                       language: str, out_path: Path) -> Path:
    """A translucent bottom strip (RGBA): CTA text on the left, a QR code of ``url`` on the right.

    The middle stays free for a narrator avatar. The code fills the strip's height so that, at a
    ~16 % strip of a 1024/1792 px canvas, modules stay several pixels wide through H.264.
    """
    palette = palette_for(url)
    strip = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    gradient = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    alpha = (150 + 80 * gradient).repeat(width, axis=1)
    shade = np.zeros((height, width, 4), dtype=np.uint8)
    shade[..., :3] = palette.deep
    shade[..., 3] = alpha.astype(np.uint8)
    strip.alpha_composite(Image.fromarray(shade, "RGBA"))
    ImageDraw.Draw(strip).rectangle((0, 0, width, max(3, height // 40)), fill=(*palette.accent, 255))

    pad = max(6, height // 16)
    qr = qr_image(url, height - 2 * pad - 2 * max(4, height // 24), error="m")
    inner = max(4, height // 24)
    panel_side = qr.width + 2 * inner
    margin = max(pad, width // 40)
    _paste_qr_panel(strip, qr, width - margin - panel_side, (height - panel_side) // 2, inner)

    text_w = width * 0.42 - margin
    host = url_host(url)
    main = fit_text(text or host, font_key, language, text_w, height * 0.5, int(height * 0.3), max_lines=2)
    sub = fit_text(host, font_key, "en", text_w, height * 0.22, int(height * 0.16), weight=500, max_lines=1)
    total = main.height + (sub.height if text else 0)
    y = (height - total) / 2
    align = "right" if main.stack.rtl else "left"  # both lines follow the text's direction
    draw_text_block(strip, main, margin, y, text_w, align=align, shadow=2)
    if text:
        draw_text_block(strip, sub, margin, y + main.height, text_w, align=align, fill=(*palette.glow, 255))
    return save_image(strip, out_path)


# --------------------------------------------------------------------------------------------
# Narrator avatar
# --------------------------------------------------------------------------------------------

_SKIN_TONES: tuple[RGB, ...] = (
    (255, 224, 196), (241, 194, 158), (224, 172, 128), (198, 134, 94), (150, 98, 66), (104, 66, 44),
)
_HAIR_COLOURS: tuple[RGB, ...] = (
    (35, 28, 26), (72, 48, 34), (122, 80, 44), (200, 160, 96), (150, 60, 40), (90, 90, 100),
)
_OUTFIT_COLOURS: tuple[RGB, ...] = (
    (37, 99, 235), (220, 38, 38), (22, 163, 74), (124, 58, 237), (234, 88, 12), (15, 118, 110),
    (30, 41, 59), (219, 39, 119),
)


def _shade(colour: RGB, factor: float) -> RGB:
    return (min(255, round(colour[0] * factor)), min(255, round(colour[1] * factor)),
            min(255, round(colour[2] * factor)))


@dataclass(frozen=True)
class AvatarLook:
    """Who a seed draws: the choices a viewer tells people apart by."""

    skin: RGB
    hair: RGB
    outfit: RGB
    style: str
    glasses: bool

    def looks_unlike(self, other: AvatarLook) -> bool:
        """Seen as another person at footer size: the outfit (the largest area) is another colour, and
        the face differs too (skin, hair colour or hairstyle). Seeds alone collide often: 1 in 8
        share an outfit, so 'a new person' could come back in the same clothes and haircut."""
        face = (self.skin, self.hair, self.style) != (other.skin, other.hair, other.style)
        return self.outfit != other.outfit and face


def avatar_look(seed: int) -> AvatarLook:
    rng = random.Random(stable_int("avatar", seed))
    return AvatarLook(
        skin=rng.choice(_SKIN_TONES),
        hair=rng.choice(_HAIR_COLOURS),
        outfit=rng.choice(_OUTFIT_COLOURS),
        style=rng.choice(("short", "long", "bun", "curly")),
        glasses=rng.random() < 0.3,
    )


def render_narrator_avatar(size: int, seed: int, out_path: Path) -> Path:
    """A friendly stylised presenter (head and shoulders) on a transparent background, with a
    white sticker outline so it reads on any footage. Same seed → same person."""
    look = avatar_look(seed)
    skin, hair, outfit, style, glasses = look.skin, look.hair, look.outfit, look.style, look.glasses
    scale = 3  # draw large, downsample: cheap anti-aliasing
    s = size * scale
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)

    def box(cx: float, cy: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (cx - w / 2) * s, (cy - h / 2) * s, (cx + w / 2) * s, (cy + h / 2) * s

    head_cx, head_cy, head_w, head_h = 0.5, 0.40, 0.34, 0.42
    if style == "long":  # hair behind the head and down to the shoulders
        draw.rounded_rectangle(box(0.5, 0.55, 0.46, 0.56), radius=int(0.18 * s), fill=hair)
    # shoulders and torso
    draw.rounded_rectangle((0.1 * s, 0.74 * s, 0.9 * s, 1.25 * s), radius=int(0.2 * s), fill=outfit)
    draw.rectangle(box(0.5, 0.68, 0.15, 0.16), fill=_shade(skin, 0.88))  # neck
    draw.polygon([(0.40 * s, 0.745 * s), (0.60 * s, 0.745 * s), (0.5 * s, 0.86 * s)], fill=_shade(skin, 0.88))
    lapel = _shade(outfit, 0.75)
    draw.polygon([(0.38 * s, 0.75 * s), (0.5 * s, 0.88 * s), (0.44 * s, 0.98 * s), (0.30 * s, 0.78 * s)], fill=lapel)
    draw.polygon([(0.62 * s, 0.75 * s), (0.5 * s, 0.88 * s), (0.56 * s, 0.98 * s), (0.70 * s, 0.78 * s)], fill=lapel)
    # ears, head
    for ex in (head_cx - head_w / 2, head_cx + head_w / 2):
        draw.ellipse(box(ex, 0.42, 0.06, 0.09), fill=_shade(skin, 0.93))
    draw.ellipse(box(head_cx, head_cy, head_w, head_h), fill=skin)
    # hair on top
    if style == "curly":
        for index in range(14):
            angle = np.pi * (1.05 + 0.9 * index / 13)
            cx = head_cx + 0.17 * np.cos(angle)
            cy = head_cy - 0.04 + 0.2 * np.sin(angle)
            draw.ellipse(box(cx, cy, 0.12, 0.12), fill=hair)
    else:
        draw.chord(box(head_cx, head_cy - 0.05, head_w + 0.03, head_h * 0.88), 180, 360, fill=hair)
        draw.pieslice(box(head_cx - 0.1, head_cy - 0.08, 0.22, 0.2), 180, 300, fill=hair)  # side fringe
        if style == "bun":
            draw.ellipse(box(head_cx, head_cy - head_h / 2 - 0.02, 0.14, 0.12), fill=hair)
    # face
    eye_y = head_cy + 0.01
    for ex in (head_cx - 0.068, head_cx + 0.068):
        draw.ellipse(box(ex, eye_y, 0.04, 0.05), fill=(250, 250, 252))
        draw.ellipse(box(ex, eye_y + 0.004, 0.024, 0.032), fill=(40, 30, 28))
        draw.ellipse(box(ex + 0.006, eye_y - 0.006, 0.008, 0.008), fill=(255, 255, 255))
        draw.arc(box(ex, eye_y - 0.035, 0.06, 0.03), 200, 340, fill=_shade(hair, 0.9), width=int(0.012 * s))
    draw.arc(box(head_cx, head_cy + 0.06, 0.035, 0.03), 20, 160, fill=_shade(skin, 0.75), width=int(0.008 * s))
    draw.chord(box(head_cx, head_cy + 0.105, 0.11, 0.07), 0, 180, fill=(190, 70, 80))
    draw.chord(box(head_cx, head_cy + 0.103, 0.085, 0.035), 0, 180, fill=(255, 255, 255))
    blush = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    for cx in (head_cx - 0.1, head_cx + 0.1):
        ImageDraw.Draw(blush).ellipse(box(cx, head_cy + 0.075, 0.06, 0.035), fill=(240, 110, 110, 70))
    layer.alpha_composite(blush.filter(ImageFilter.GaussianBlur(0.01 * s)))
    if glasses:
        frame = (30, 30, 36)
        for ex in (head_cx - 0.068, head_cx + 0.068):
            draw.rounded_rectangle(box(ex, eye_y + 0.002, 0.1, 0.075), radius=int(0.02 * s), outline=frame,
                                   width=int(0.01 * s))
        draw.line((0.48 * s, eye_y * s, 0.52 * s, eye_y * s), fill=frame, width=int(0.01 * s))

    # sticker outline: the dilated silhouette in white behind the figure
    # (blur + threshold dilates in O(pixels), unlike a large MaxFilter)
    spread = max(2, int(0.012 * s))
    outline = layer.getchannel("A").filter(ImageFilter.GaussianBlur(spread))
    outline = outline.point(lambda v: 255 if v > 8 else v * 30).filter(ImageFilter.GaussianBlur(scale))
    sticker = Image.new("RGBA", (s, s), (255, 255, 255, 0))
    sticker.putalpha(outline)
    sticker.alpha_composite(layer)
    return save_image(sticker.resize((size, size), Image.Resampling.LANCZOS), out_path)


def save_image(image: Image.Image, out_path: Path) -> Path:
    """Write ``image`` as PNG or JPEG by suffix."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() in (".jpg", ".jpeg"):
        image.convert("RGB").save(out_path, quality=92)
        return out_path
    return save_png(image, out_path)
