"""Photo-like synthetic images (sky, sun, hills, lake, sensor noise) and branding stamps."""

from __future__ import annotations

import fontpkg_poppins
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

BOLD = str(fontpkg_poppins.ROOT / "files" / "Poppins-Bold.ttf")

Box = tuple[int, int, int, int]


def landscape_photo(width: int = 640, height: int = 427, seed: int = 7) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = yy / height
    sky = np.stack([90 + 120 * t, 140 + 90 * t, 215 + 25 * t], axis=2)
    img = sky.copy()
    # Sun: a soft disk in the sky, away from the borders.
    sun = np.exp(-(((xx - width * 0.42) ** 2 + (yy - height * 0.3) ** 2) / (2 * (height * 0.06) ** 2)))
    img += sun[..., None] * np.array([120, 90, 20], np.float32)
    # Two hill layers drawn from sines.
    for base, amp, freq, colour in ((0.58, 0.06, 2.1, (70, 120, 70)), (0.7, 0.05, 3.3, (45, 95, 50))):
        ridge = height * (base + amp * np.sin(xx / width * freq * np.pi + base * 9))
        shade = np.clip((yy - ridge) / (height * 0.3), 0, 1)[..., None]
        hill = np.array(colour, np.float32) * (1.0 - 0.35 * shade)
        img = np.where((yy > ridge)[..., None], hill, img)
    # A lake with a reflection of the sky in the lower third.
    lake = yy > height * 0.84
    img[lake] = img[lake] * 0.4 + np.array([80, 120, 170], np.float32) * 0.6
    img += rng.normal(0, 2.5, img.shape)
    photo = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return photo.filter(ImageFilter.GaussianBlur(0.8))


def logo_image(size: int = 80, colour: tuple[int, int, int] = (230, 60, 120), letters: str = "AC") -> Image.Image:
    """A round-cornered badge logo with letters on a transparent background."""
    logo = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=(*colour, 255))
    draw.ellipse((size * 0.18, size * 0.18, size * 0.82, size * 0.82), outline=(255, 255, 255, 255),
                 width=max(2, size // 16))
    font = ImageFont.truetype(BOLD, int(size * 0.3))
    draw.text((size / 2, size / 2), letters, font=font, fill=(255, 255, 255, 255), anchor="mm")
    return logo


def stamp_logo(photo: Image.Image, logo: Image.Image, corner_margin: int = 14) -> tuple[Image.Image, Box]:
    out = photo.convert("RGBA")
    x = photo.width - corner_margin - logo.width
    y = photo.height - corner_margin - logo.height
    out.alpha_composite(logo, (x, y))
    return out.convert("RGB"), (x, y, x + logo.width, y + logo.height)


def stamp_watermark(photo: Image.Image, text: str = "SAMPLE WATERMARK", size: int = 30,
                    opacity: int = 170, at: tuple[int, int] | None = None) -> tuple[Image.Image, Box]:
    """Semi-transparent white text with a faint shadow, as stock-photo sites stamp it."""
    out = photo.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = ImageFont.truetype(BOLD, size)
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    x = at[0] if at else (photo.width - (x1 - x0)) // 2
    y = at[1] if at else int(photo.height * 0.42)
    draw.text((x + 2, y + 2), text, font=font, fill=(0, 0, 0, opacity // 3))
    draw.text((x, y), text, font=font, fill=(255, 255, 255, opacity))
    out = Image.alpha_composite(out, layer)
    return out.convert("RGB"), (x + x0, y + y0, x + x1 + 2, y + y1 + 2)
