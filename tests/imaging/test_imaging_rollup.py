"""Roll-up banners: grid geometry, overlays (OCR), thumbnail, request validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from reelforge.imaging.errors import describe_validation_error, validation_issues
from reelforge.imaging.rollup import (
    RollupBannerRequest,
    RollupInputError,
    enhance_resolution_for,
    needs_enhance,
)
from reelforge.imaging.rollup_render import render_rollup_banner
from reelforge.providers.ocr import rapid_engine

COLOURS = [(200, 80, 60), (60, 140, 90), (50, 90, 190), (220, 180, 60), (140, 70, 160)]
TILE_W = 600


def _tile_image(colour: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", (500, 625), colour)
    ImageDraw.Draw(img).ellipse((150, 220, 350, 420), fill=(25, 25, 30))
    return img


@pytest.fixture(scope="module")
def banner_request() -> tuple[RollupBannerRequest, dict[str, Image.Image]]:
    images = {f"https://cdn.test/t{i}.png": _tile_image(c) for i, c in enumerate(COLOURS)}
    images["https://cdn.test/header.png"] = Image.new("RGB", (1200, 200), (20, 24, 30))
    items: list[dict[str, Any]] = [
        {"image_url": "https://cdn.test/t0.png", "title": "Rooftop Bar", "image_category": "Social",
         "image_duration": "2 hours"},
        {"enhanced_url": "https://cdn.test/t1.png",
         "overlay": {"top_left": "Half day", "top_right": "Pool", "footer": "Cabana"}},
        {"image_url": "https://cdn.test/t2.png", "image_text": "Harbour Walk"},
        {"image_url": "https://cdn.test/t3.png", "title": "Night Market"},
        {"image_url": "https://cdn.test/t4.png", "title": "Temple Tour"},
    ]
    request = RollupBannerRequest.model_validate({
        "image_list": items, "columns": 4, "max_tiles": 28, "header_image_url": "https://cdn.test/header.png",
        "image_tiling_position": {"font_key": "en", "font_family": "Poppins, Helvetica, Arial, sans-serif"},
    })
    return request, images


def test_banner_grid_tiles_overlays_and_thumbnail(
    banner_request: tuple[RollupBannerRequest, dict[str, Image.Image]],
) -> None:
    request, images = banner_request
    result = render_rollup_banner(request, images, tile_width=TILE_W)
    assert (result.columns, result.rows) == (4, 7)
    assert len(result.tile_boxes) == 28
    assert result.input_image_urls == [f"https://cdn.test/t{i}.png" for i in range(5)]
    tile_h = round(TILE_W * 2526 / 2020)
    header_h = round(200 * result.banner.width / 1200)
    gutter = result.tile_boxes[0][0]
    assert result.banner.height == header_h + 7 * tile_h + 8 * gutter
    # The list repeats to fill 28 tiles: tile i shows source i % 5 (its dominant colour).
    pixels = np.asarray(result.banner)
    for index, box in enumerate(result.tile_boxes):
        x0, y0, x1, y1 = box
        sample = pixels[y0 + tile_h // 2, x0 + 20].astype(int)
        assert np.abs(sample - COLOURS[index % 5]).max() < 12, (index, sample)
    # Gutters between tiles are plain background: count the tiles along one row by them.
    row_y = result.tile_boxes[0][1] + tile_h // 2
    row = pixels[row_y].astype(int)
    is_gutter = (np.abs(row - (245, 243, 238)).max(axis=1) < 3).astype(int)
    runs_of_tile = np.count_nonzero(np.diff(is_gutter) == -1)
    assert runs_of_tile == 4
    # Overlay text is really drawn: OCR the first tile (fallbacks: title, category, duration).
    ocr = rapid_engine()
    first = " ".join(line.text for line in ocr.read(result.banner.crop(result.tile_boxes[0]))).lower()
    assert "rooftop" in first and "social" in first and "hours" in first
    second = " ".join(line.text for line in ocr.read(result.banner.crop(result.tile_boxes[1]))).lower()
    assert "cabana" in second and "pool" in second
    assert result.thumbnail.width < result.banner.width
    assert result.thumbnail.height < result.banner.height
    assert abs(result.thumbnail.width / result.thumbnail.height - result.banner.width / result.banner.height) < 0.01


def test_partial_last_row_and_missing_image() -> None:
    images = {"u": _tile_image(COLOURS[0])}
    request = RollupBannerRequest.model_validate({"images": ["u"], "columns": 3, "max_tiles": 4})
    result = render_rollup_banner(request, images, tile_width=120)
    assert result.rows == 2 and len(result.tile_boxes) == 4
    last = result.tile_boxes[3]
    assert abs((last[0] + last[2]) / 2 - result.banner.width / 2) <= 2  # centred lone tile
    with pytest.raises(RollupInputError, match="image_list"):
        render_rollup_banner(request, {}, tile_width=120)


def test_defaults_and_aliases() -> None:
    request = RollupBannerRequest.model_validate({"image_urls": ["https://a/1.png", {"image_url": "https://a/2.png"}]})
    assert (request.columns, request.max_tiles) == (4, 28)
    assert len(request.expanded_items()) == 28
    assert request.tiling.font_key == "en"
    assert request.image_urls_needed() == ["https://a/1.png", "https://a/2.png"]
    item = RollupBannerRequest.model_validate({"images": [{"image_url": "x", "image_duration": 2}]}).items[0]
    assert item.overlay_texts() == ("2", None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"image_list": []}, "image_list"),
        ({"image_list": [{"title": "no url"}]}, "image_list.0"),
        ({"columns": 0}, "columns"),
        ({"columns": 7}, "columns"),
        ({"columns": 2.5}, "columns"),
        ({"max_tiles": 0}, "max_tiles"),
        ({"image_tiling_position": {"font_key": "xx"}}, "image_tiling_position.font_key"),
        ({"image_tiling_position": {"top_left": {"margin_min": 10}}}, "image_tiling_position.font_key"),
        ({"image_tiling_position": {"font_key": "ja", "font_family": "Poppins, sans-serif"}},
         "image_tiling_position.font_family"),
        ({"image_tiling_position": {"font_key": "en", "font_family": "Comic Sans MS, Arial"}},
         "image_tiling_position.font_family"),
        ({"image_tiling_position": {"font_key": "en", "top_left": {"margin_ratio": 1.5}}},
         "image_tiling_position.top_left.margin_ratio"),
        ({"image_tiling_position": {"font_key": "en", "top_left": {"diameter_ratio": -0.1}}},
         "image_tiling_position.top_left.diameter_ratio"),
        ({"image_tiling_position": {"font_key": "en", "top_left": {"diameter_min": 400, "diameter_max": 300}}},
         "image_tiling_position.top_left"),
        ({"image_tiling_position": {"font_key": "en", "top_right": {"margin_ratio": 2}}},
         "image_tiling_position.top_right.margin_ratio"),
        ({"image_tiling_position": {"font_key": "en", "top_right": {"padding_left": -5}}},
         "image_tiling_position.top_right.padding_left"),
        ({"image_tiling_position": {"font_key": "en", "bottom": {"inset_ratio": 1.01}}},
         "image_tiling_position.bottom.inset_ratio"),
        ({"image_tiling_position": {"font_key": "en", "bottom": {"text_inset_ratio": "lots"}}},
         "image_tiling_position.bottom.text_inset_ratio"),
        ({"image_tiling_position": {"font_key": "en", "bottom": {"overlay_height_min": -1}}},
         "image_tiling_position.bottom.overlay_height_min"),
    ],
)
def test_invalid_values_name_their_field(body: dict[str, Any], field: str) -> None:
    full = {"image_list": [{"image_url": "https://a/1.png"}], **body}
    with pytest.raises(ValidationError) as info:
        RollupBannerRequest.model_validate(full)
    assert field in [issue["field"] for issue in validation_issues(info.value)], validation_issues(info.value)
    assert field in describe_validation_error(info.value)


def test_valid_language_overrides() -> None:
    for tiling in (
        {"font_key": "zh-cn"}, {"font_key": "th", "font_family": "Noto Sans Thai"},
        {"font_key": "fr", "font_family": "'Montserrat', sans-serif"}, {"font_key": "ja", "font_family": "sans-serif"},
    ):
        RollupBannerRequest.model_validate({"images": ["u"], "image_tiling_position": tiling})


def test_needs_enhance_threshold() -> None:
    assert needs_enhance((2019, 3000))
    assert needs_enhance((3000, 2525))
    assert not needs_enhance((2020, 2526))
    assert enhance_resolution_for((2020, 2526)) is None
    assert enhance_resolution_for((800, 1000)) == "4k"
