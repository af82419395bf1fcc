"""Stages: roll-up banners. ``rollup_enhance_tiles`` upscales the tiles below the rollup
minimum (the ``_with_enhance`` variant); ``rollup_render`` draws the banner and its thumbnail.

The stored request names its images by blob key (the route fetched and stored every URL), so
rendering never goes back to the network.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from reelforge.imaging.enhance import enhance
from reelforge.imaging.rollup import REFERENCE_TILE, RollupBannerRequest, render_rollup_banner
from reelforge.pipeline.registry import StageContext, stage
from reelforge.stages.image_output import open_input, publish_png

ENHANCE_STAGE = "rollup_enhance_tiles"


@stage(ENHANCE_STAGE, queue="cpu")
def enhance_tiles(ctx: StageContext) -> dict[str, Any]:
    """Every planned upscale: ``{"enhanced": {input key: enhanced key}}``."""
    enhanced: dict[str, str] = {}
    for job in ctx.input["enhance"]:
        out = enhance(open_input(ctx, job["input_key"]), job["resolution"])
        publish_png(ctx, job["output_key"], out)
        enhanced[job["input_key"]] = job["output_key"]
    return {"enhanced": enhanced}


@stage("rollup_render", queue="cpu")
def render(ctx: StageContext) -> dict[str, Any]:
    request = RollupBannerRequest.model_validate(ctx.input["request"])
    enhanced: dict[str, str] = ctx.outputs.get(ENHANCE_STAGE, {}).get("enhanced", {})
    images: dict[str, Image.Image] = {
        key: open_input(ctx, enhanced.get(key, key)) for key in request.image_urls_needed()
    }
    tile_width = int(ctx.input.get("tile_width") or REFERENCE_TILE[0])
    banner = render_rollup_banner(request, images, tile_width=tile_width)
    # Print-size banners are large; a fast PNG compression level keeps the stage reasonable.
    url = publish_png(ctx, f"rollups/{ctx.request.id}.png", banner.banner, compress_level=1)
    thumb = publish_png(ctx, f"rollups/{ctx.request.id}-thumb.png", banner.thumbnail)
    result: dict[str, Any] = {
        "result_url": url,
        "result_urls": [url],
        "thumbnail_url": thumb,
        "width": banner.banner.width,
        "height": banner.banner.height,
        "columns": banner.columns,
        "rows": banner.rows,
        "tiles": len(banner.tile_boxes),
        "tile_boxes": [list(box) for box in banner.tile_boxes],
    }
    if "input_image_urls" in ctx.input:
        result["input_image_urls"] = ctx.input["input_image_urls"]
    return {"result": result}
