"""Short SEO titles for images, offline: from metadata first, then from text read off the image,
then from what the image looks like (dominant colour and orientation).

``assign_title(None, {"product": "linen travel shirt", "collection": "spring essentials"}, None)``
returns ``"Linen Travel Shirt"`` — the samsar-js readme's example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from reelforge.providers.ocr import OcrEngine

MAX_TITLE_CHARS = 70

# The subject of the image, most specific first.
_SUBJECT_KEYS = (
    "title", "seo_title", "product_name", "product", "name", "item", "item_name", "subject",
    "headline", "label", "caption",
)
_BRAND_KEYS = ("brand", "brand_name", "manufacturer", "vendor")
# Context used only when nothing names the subject.
_CONTEXT_KEYS = ("category", "product_type", "type", "collection", "campaign", "description", "keywords", "tags")
_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on",
    "or", "per", "the", "to", "vs", "via", "with",
}
# Acronyms that arrive lower-cased in metadata but are written in capitals.
_ACRONYMS = {
    "usb", "led", "lcd", "oled", "hd", "uhd", "uv", "diy", "tv", "pc", "gps", "nfc", "usa", "uk", "eu",
    "ai", "xs", "xl", "xxl", "hdmi", "ssd", "rgb", "bbq", "spf", "nyc",
}
_COLOUR_NAMES = {
    "Red": (200, 40, 40), "Orange": (230, 130, 40), "Yellow": (230, 210, 60), "Green": (60, 150, 70),
    "Teal": (40, 140, 140), "Blue": (50, 90, 190), "Purple": (120, 70, 160), "Pink": (230, 130, 170),
    "Brown": (120, 80, 50), "Beige": (220, 200, 170), "White": (240, 240, 240), "Grey": (128, 128, 128),
    "Black": (20, 20, 20),
}


def smart_title_case(text: str) -> str:
    """Title Case that keeps small words lower (except first/last), leaves acronyms and words
    with inner capitals ("iPhone", "USB-C") alone, and capitalises hyphenated parts."""
    words = re.sub(r"\s+", " ", text.strip()).split(" ")
    out: list[str] = []
    for i, word in enumerate(words):
        core = word.strip("\"'()[]")
        lower = core.lower()
        if i not in (0, len(words) - 1) and lower in _SMALL_WORDS:
            out.append(word.lower())
        elif any(ch.isupper() for ch in core[1:]) or (core.isupper() and len(core) > 1 and len(core) <= 4):
            out.append(word)
        else:
            out.append("-".join(_capitalise(part) for part in word.split("-")))
    return " ".join(out)


def _capitalise(part: str) -> str:
    if part.lower() in _ACRONYMS:
        return part.upper()
    return part[:1].upper() + part[1:].lower()


def _clip(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """Cut at a word boundary and drop a dangling small word or separator."""
    title = re.sub(r"\s+", " ", title).strip(" -|,:;")
    if len(title) <= limit:
        return title
    words = title[: limit + 1].split(" ")[:-1] or [title[:limit]]
    while len(words) > 1 and (words[-1].lower() in _SMALL_WORDS or words[-1] in {"-", "|", "&"}):
        words.pop()
    return " ".join(words).strip(" -|,:;")


def _text_value(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        parts = [str(v).strip() for v in value if str(v).strip()]
        return ", ".join(parts[:3]) or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _lookup(metadata: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    lowered = {str(k).lower().replace("-", "_").replace(" ", "_"): v for k, v in metadata.items()}
    for key in keys:
        if (value := _text_value(lowered.get(key))) is not None:
            return value
    return None


def _title_from_metadata(metadata: Mapping[str, Any]) -> str | None:
    subject = _lookup(metadata, _SUBJECT_KEYS)
    brand = _lookup(metadata, _BRAND_KEYS)
    if subject is None:
        subject = _lookup(metadata, _CONTEXT_KEYS)
    if subject is None:
        return brand and smart_title_case(brand)
    if brand and brand.lower() not in subject.lower():
        subject = f"{brand} {subject}"
    return smart_title_case(subject)


def _title_from_ocr(img: Image.Image, ocr: OcrEngine) -> str | None:
    """The most prominent readable text: tallest confident line with real words in it."""
    lines = [
        line for line in ocr.read(img)
        if line.confidence >= 0.6 and sum(ch.isalpha() for ch in line.text) >= 3
    ]
    if not lines:
        return None
    lines.sort(key=lambda line: (line.height, line.confidence), reverse=True)
    head = lines[0].text
    # Add the next line when it is nearly as prominent (a two-line product name).
    if len(lines) > 1 and lines[1].height >= 0.8 * lines[0].height and len(head) < 35:
        head = f"{head} {lines[1].text}"
    text = re.sub(r"[^\w\s&'+-]", " ", head)
    return smart_title_case(text) if text.strip() else None


def _dominant_colour(img: Image.Image) -> str:
    small = np.asarray(img.convert("RGB").resize((48, 48)), dtype=np.float32).reshape(-1, 3)
    # Ignore near-white/near-black backdrops: product shots often sit on plain backgrounds.
    brightness = small.mean(axis=1)
    subject = small[(brightness > 25) & (brightness < 235)]
    pixels = subject if len(subject) > 50 else small
    names = list(_COLOUR_NAMES)
    palette = np.array([_COLOUR_NAMES[n] for n in names], dtype=np.float32)
    nearest = np.argmin(((pixels[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)
    return names[int(np.bincount(nearest, minlength=len(names)).argmax())]


def _title_from_pixels(img: Image.Image) -> str:
    if img.width > img.height * 1.2:
        shape = "Landscape"
    elif img.height > img.width * 1.2:
        shape = "Portrait"
    else:
        shape = "Square"
    return f"{_dominant_colour(img)} {shape} Photo"


def assign_title(
    img: Image.Image | None,
    metadata: Mapping[str, Any] | None,
    ocr: OcrEngine | None = None,
) -> str:
    """A short (≤ 70 characters) SEO title.

    Metadata naming the subject wins (``title``/``product_name``/``product``/``name``..., with
    the ``brand`` prefixed when not already in it); without it, the image's most prominent
    OCR'd text (when an engine is given), then category-like metadata, then a description of
    the image's colour and shape. Never empty.
    """
    metadata = metadata or {}
    title = None
    if _lookup(metadata, _SUBJECT_KEYS) or _lookup(metadata, _BRAND_KEYS):
        title = _title_from_metadata(metadata)
    if title is None and img is not None and ocr is not None:
        title = _title_from_ocr(img, ocr)
    if title is None:
        title = _title_from_metadata(metadata)
    if title is None and img is not None:
        title = _title_from_pixels(img)
    return _clip(title or "Untitled Image")
