"""Stage: remove branding (watermarks, logos, overlaid text) or replace it with a new logo."""

from __future__ import annotations

from typing import Any

from reelforge.imaging.branding import remove_branding, replace_branding
from reelforge.pipeline.registry import StageContext, stage
from reelforge.providers.ocr import Box
from reelforge.stages.image_output import open_input, publish_png


def _regions(raw: list[list[int]] | None) -> list[Box] | None:
    boxes = [(int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in raw or []]
    return boxes or None


@stage("image_remove_branding", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    img = open_input(ctx, ctx.input["input_key"])
    regions = _regions(ctx.input.get("regions"))
    replacement_key = ctx.input.get("replacement_key")
    result: dict[str, Any] = {}
    if replacement_key:
        out = replace_branding(img, open_input(ctx, replacement_key), regions)
    else:
        out, removed = remove_branding(img, regions)
        result["removed_regions"] = [list(box) for box in removed]
    url = publish_png(ctx, f"images/{ctx.request.id}.png", out)
    return {"result": {"result_url": url, "result_urls": [url], "width": out.width, "height": out.height, **result}}
