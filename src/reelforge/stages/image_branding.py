"""Stage image_remove_branding: remove branding (watermarks, logos, overlaid text) or replace it
with a new logo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reelforge.imaging.branding import remove_branding, replace_branding
from reelforge.providers.ocr import Box
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input, publish_png
from reelforge.stages.outputs import Published


def clean_branding(
    env: StageEnv, input_key: str, regions: Sequence[Box] | None, replacement_key: str | None
) -> Published:
    img = open_input(env, input_key)
    boxes = list(regions) if regions else None
    extra: dict[str, Any] = {}
    if replacement_key:
        out = replace_branding(img, open_input(env, replacement_key), boxes)
    else:
        out, removed = remove_branding(img, boxes)
        extra["removed_regions"] = [list(box) for box in removed]
    url = publish_png(env, f"images/{env.request_id}.png", out)
    return Published(
        result={"result_url": url, "result_urls": [url], "width": out.width, "height": out.height, **extra}
    )
