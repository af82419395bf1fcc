"""remove_branding / replace_branding on a photo-like image with a stamped logo and watermark."""

from __future__ import annotations

import numpy as np
import pytest
from photo_fixtures import landscape_photo, logo_image, stamp_logo, stamp_watermark
from PIL import Image

from reelforge.imaging.branding import detect_logo_regions, inpaint, remove_branding, replace_branding
from reelforge.providers.ocr import rapid_engine

Box = tuple[int, int, int, int]


def _psnr_outside(a: Image.Image, b: Image.Image, marks: list[Box], margin: int = 16) -> float:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    keep = np.ones(x.shape[:2], bool)
    for x0, y0, x1, y1 in marks:
        keep[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = False
    mse = ((x - y) ** 2)[keep].mean()
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture(scope="module")
def marked() -> tuple[Image.Image, Image.Image, Box, Box]:
    photo = landscape_photo()
    img, logo_box = stamp_logo(photo, logo_image())
    img, mark_box = stamp_watermark(img)
    return photo, img, logo_box, mark_box


def _ocr_text(img: Image.Image) -> str:
    return " ".join(line.text for line in rapid_engine().read(img)).upper().replace(" ", "")


def test_remove_branding_clears_watermark_and_logo(marked: tuple[Image.Image, Image.Image, Box, Box]) -> None:
    photo, img, logo_box, mark_box = marked
    assert "WATERMARK" in _ocr_text(img)  # the fixture really is readable before removal
    clean, found = remove_branding(img, ocr=rapid_engine())
    assert "WATERMARK" not in _ocr_text(clean)
    assert "SAMPLE" not in _ocr_text(clean)
    # Both marks were found: each found box covers most of a stamped mark.
    for mark in (logo_box, mark_box):
        assert any(
            max(0, min(f[2], mark[2]) - max(f[0], mark[0])) * max(0, min(f[3], mark[3]) - max(f[1], mark[1]))
            >= 0.8 * (mark[2] - mark[0]) * (mark[3] - mark[1])
            for f in found
        ), (mark, found)
    assert _psnr_outside(clean, photo, [logo_box, mark_box]) >= 40
    # Inside the logo box the fill resembles the photo far more than the magenta logo did.
    x0, y0, x1, y1 = logo_box
    before = np.abs(np.asarray(img, float)[y0:y1, x0:x1] - np.asarray(photo, float)[y0:y1, x0:x1]).mean()
    after = np.abs(np.asarray(clean, float)[y0:y1, x0:x1] - np.asarray(photo, float)[y0:y1, x0:x1]).mean()
    assert after < before / 4


def test_replace_branding_puts_new_logo_where_the_old_one_was(
    marked: tuple[Image.Image, Image.Image, Box, Box],
) -> None:
    _photo, img, logo_box, _mark_box = marked
    new_logo = logo_image(60, colour=(30, 90, 220), letters="NW")
    out = replace_branding(img, new_logo, ocr=rapid_engine())
    x0, y0, x1, y1 = logo_box
    region = np.asarray(out, dtype=np.int16)[y0:y1, x0:x1].reshape(-1, 3)
    blue = (region[:, 2] > 180) & (region[:, 0] < 80)
    magenta = (region[:, 0] > 200) & (region[:, 1] < 90) & (region[:, 2] > 90)
    assert blue.mean() > 0.4  # the new logo fills the old logo's spot (aspect kept, padded)
    assert magenta.mean() < 0.01  # the old one is gone
    assert "WATERMARK" not in _ocr_text(out)


def test_explicit_regions_are_honoured_and_nothing_else_changes() -> None:
    photo = landscape_photo(320, 214, seed=3)
    box = (40, 30, 120, 80)
    clean, found = remove_branding(photo, regions=[box])
    assert found == [box]
    a, b = np.asarray(clean), np.asarray(photo)
    outside = np.ones(a.shape[:2], bool)
    outside[30:80, 40:120] = False
    assert np.array_equal(a[outside], b[outside])
    assert not np.array_equal(a[30:80, 40:120], b[30:80, 40:120])


def test_logo_detector_ignores_a_clean_photo() -> None:
    for seed in range(3):
        assert detect_logo_regions(landscape_photo(480, 320, seed=seed)) == []


def test_inpaint_continues_a_horizon_through_a_large_hole() -> None:
    img = np.zeros((120, 160, 3), np.uint8)
    img[:60] = (60, 140, 60)
    img[60:] = (60, 110, 170)
    mask = np.zeros((120, 160), np.uint8)
    mask[35:85, 60:110] = 255
    out = inpaint(img, mask)
    assert np.abs(out[40:55, 60:110].astype(int) - (60, 140, 60)).max() < 12
    assert np.abs(out[66:80, 60:110].astype(int) - (60, 110, 170)).max() < 12


def test_whole_mark_on_a_real_photo_is_removed() -> None:
    """A real photo (tests/data/photos, CC0) stamped with a logo: a flat disc with an outline
    and a word mark beside it. Both parts go: OCR reads nothing of the mark, and the stamped
    region's error against the clean photo falls below 40 % of the stamped image's."""
    from pathlib import Path

    from PIL import ImageDraw

    from reelforge.text.typography import load_font

    photo = Image.open(Path(__file__).resolve().parents[1] / "data" / "photos" / "coffee.png").convert("RGB")
    img = photo.copy()
    draw = ImageDraw.Draw(img)
    draw.ellipse((380, 20, 436, 76), fill=(200, 40, 60), outline=(255, 255, 255), width=4)
    draw.text((446, 30), "PIKOLO", font=load_font(None, "en", 30), fill=(255, 255, 255), stroke_width=2,
              stroke_fill=(30, 30, 30))
    region = (378, 18, 557, 78)
    assert "PIKOLO" in _ocr_text(img)
    clean, found = remove_branding(img, ocr=rapid_engine())
    assert "PIKOLO" not in _ocr_text(clean) and "PIK" not in _ocr_text(clean)
    x0, y0, x1, y1 = region
    truth = np.asarray(photo, float)[y0:y1, x0:x1]
    stamped_error = np.abs(np.asarray(img, float)[y0:y1, x0:x1] - truth).mean()
    clean_error = np.abs(np.asarray(clean, float)[y0:y1, x0:x1] - truth).mean()
    assert clean_error < 0.4 * stamped_error, (clean_error, stamped_error, found)
    # The disc was found as part of the mark (not only the letters), and nothing else moved.
    assert any(f[0] <= 382 and f[2] >= 434 for f in found), found
    assert _psnr_outside(clean, photo, [region]) >= 40
