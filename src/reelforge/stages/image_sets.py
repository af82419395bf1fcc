"""Stage: ``add_image_set`` — distinct variants of the input images (reframed, graded, bannered)."""

from __future__ import annotations

from typing import Any

from reelforge.imaging.image_set import make_image_set
from reelforge.pipeline.registry import StageContext, stage
from reelforge.stages.image_output import open_input, publish_png


@stage("image_set", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    sources = [open_input(ctx, key) for key in ctx.input["input_keys"]]
    outputs = make_image_set(
        sources,
        int(ctx.input["num_images"]),
        ctx.input.get("prompt"),
        ctx.input.get("metadata") or {},
        ctx.input.get("aspect_ratio"),
    )
    urls = [publish_png(ctx, f"images/{ctx.request.id}-{i + 1}.png", img) for i, img in enumerate(outputs)]
    sizes = [[img.width, img.height] for img in outputs]
    return {"result": {"result_url": urls[0], "result_urls": urls, "num_images": len(urls), "sizes": sizes}}
