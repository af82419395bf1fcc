"""Stage: enhance one stored input image and publish the result."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from reelforge.imaging.enhance import enhance
from reelforge.pipeline.registry import StageContext, stage


@stage("image_enhance", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    src = Image.open(ctx.rt.blobs.path(ctx.input["input_key"]))
    out = enhance(src, ctx.input["resolution"])
    buf = io.BytesIO()
    out.save(buf, format="PNG", compress_level=3)
    key = ctx.rt.blobs.put_bytes(f"images/{ctx.request.id}.png", buf.getvalue())
    url = ctx.rt.blobs.url(key)
    return {"result": {"result_url": url, "result_urls": [url], "width": out.width, "height": out.height}}
