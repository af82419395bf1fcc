"""Stages of roll-up banners. ``rollup_enhance_tiles`` upscales the tiles below the roll-up
minimum (the ``_with_enhance`` variant); ``rollup_render`` draws the banner and its thumbnail.

The stored request names its images by blob key (the route fetched and stored every URL), so
rendering never goes back to the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image

from reelforge.imaging.enhance import enhance
from reelforge.imaging.rollup import RollupBannerRequest, render_rollup_banner
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input, publish_png
from reelforge.stages.outputs import EnhancedTilesOutput, Published


def enhance_tiles(env: StageEnv, jobs: Sequence[tuple[str, str, str]]) -> EnhancedTilesOutput:
    """Every planned upscale, given as (input key, output key, resolution)."""
    enhanced: dict[str, str] = {}
    for input_key, output_key, resolution in jobs:
        publish_png(env, output_key, enhance(open_input(env, input_key), resolution))
        enhanced[input_key] = output_key
    return EnhancedTilesOutput(enhanced=enhanced)


def render_banner(
    env: StageEnv,
    request: RollupBannerRequest,
    tile_width: int,
    enhanced: dict[str, str],
    extra_result: dict[str, Any],
) -> Published:
    images: dict[str, Image.Image] = {
        key: open_input(env, enhanced.get(key, key)) for key in request.image_urls_needed()
    }
    banner = render_rollup_banner(request, images, tile_width=tile_width)
    # Print-size banners are large; a fast PNG compression level keeps the stage reasonable.
    url = publish_png(env, f"rollups/{env.request_id}.png", banner.banner, compress_level=1)
    thumb = publish_png(env, f"rollups/{env.request_id}-thumb.png", banner.thumbnail)
    return Published(
        result={
            "result_url": url,
            "result_urls": [url],
            "thumbnail_url": thumb,
            "width": banner.banner.width,
            "height": banner.banner.height,
            "columns": banner.columns,
            "rows": banner.rows,
            "tiles": len(banner.tile_boxes),
            "tile_boxes": [list(box) for box in banner.tile_boxes],
            **extra_result,
        }
    )
