"""assign_title: metadata first (the samsar-js readme example), then OCR, then pixels."""

from __future__ import annotations

import fontpkg_poppins
from PIL import Image, ImageDraw, ImageFont

from reelforge.imaging.titles import MAX_TITLE_CHARS, assign_title, smart_title_case
from reelforge.providers.ocr import rapid_engine


def test_readme_example_metadata() -> None:
    metadata = {"product": "linen travel shirt", "collection": "spring essentials"}
    assert assign_title(None, metadata, None) == "Linen Travel Shirt"
    assert assign_title(Image.new("RGB", (64, 64)), {"product": "linen travel shirt"}, None) == "Linen Travel Shirt"


def test_brand_and_title_casing() -> None:
    assert assign_title(None, {"brand": "Nordhaus", "name": "wool beanie for the city"}, None) == (
        "Nordhaus Wool Beanie for the City"
    )
    assert smart_title_case("usb-c charger for iPhone") == "USB-C Charger for iPhone"
    assert assign_title(None, {"category": "running shoes"}, None) == "Running Shoes"


def test_long_titles_are_cut_at_a_word() -> None:
    title = assign_title(None, {"title": "an extremely long product name " * 5}, None)
    assert len(title) <= MAX_TITLE_CHARS
    assert not title.endswith(" ")
    assert title.split()[-1].lower() not in {"a", "an", "the"}


def test_title_from_ocr_text_when_metadata_is_silent() -> None:
    img = Image.new("RGB", (640, 360), (245, 240, 230))
    font = ImageFont.truetype(str(fontpkg_poppins.ROOT / "files" / "Poppins-Bold.ttf"), 54)
    small = ImageFont.truetype(str(fontpkg_poppins.ROOT / "files" / "Poppins-Regular.ttf"), 20)
    draw = ImageDraw.Draw(img)
    draw.text((60, 120), "Ceramic Pour Over", font=font, fill=(30, 30, 30))
    draw.text((60, 260), "www.example.com", font=small, fill=(90, 90, 90))
    title = assign_title(img, {"campaign": None}, rapid_engine())
    assert title.replace(" ", "").lower() == "ceramicpourover"


def test_title_from_pixels_as_last_resort() -> None:
    img = Image.new("RGB", (300, 200), (50, 90, 190))
    assert assign_title(img, {}, None) == "Blue Landscape Photo"
