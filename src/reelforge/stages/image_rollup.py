"""Stages of roll-up banners. ``rollup_enhance_tiles`` upscales the tiles below the roll-up
minimum (the ``_with_enhance`` variant); ``rollup_render`` draws the banner and its thumbnail.

The stored request names its images by blob key (the route fetched and stored every URL), so
rendering never goes back to the network. The banner is written to a file in strips and each
image decoded only when its tile is drawn (imaging/rollup_render.py): memory stays bounded
whatever the tile count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reelforge.imaging.enhance import enhance
from reelforge.imaging.rollup import RollupBannerRequest
from reelforge.imaging.rollup_render import FileSource, write_rollup_banner
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
    source = FileSource(lambda key: env.rt.blobs.path(enhanced.get(key) or key))
    key = f"rollups/{env.request_id}.png"
    path = env.work_dir() / "banner.png"
    try:
        with path.open("wb") as out:
            banner = write_rollup_banner(request, source, out, tile_width=tile_width)
        env.rt.blobs.put_file(key, path)
    finally:
        env.clean_work_dir()
    url = env.rt.blobs.url(key)
    thumb = publish_png(env, f"rollups/{env.request_id}-thumb.png", banner.thumbnail)
    return Published(
        result={
            "result_url": url,
            "result_urls": [url],
            "thumbnail_url": thumb,
            "width": banner.width,
            "height": banner.height,
            "columns": banner.columns,
            "rows": banner.rows,
            "tiles": len(banner.tile_boxes),
            "tile_boxes": [list(box) for box in banner.tile_boxes],
            **extra_result,
        }
    )
