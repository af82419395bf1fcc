"""Stage image_set: new images made from the input images (cut-outs on new backdrops, details,
collages, variations), each with its kind."""

from __future__ import annotations

from typing import Any

from reelforge.imaging.image_set import make_image_set
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input, publish_png
from reelforge.stages.outputs import Published


def image_set(
    env: StageEnv,
    input_keys: list[str],
    num_images: int,
    prompt: str | None,
    metadata: dict[str, Any],
    aspect_ratio: str | None,
) -> Published:
    sources = [open_input(env, key) for key in input_keys]
    outputs = make_image_set(sources, num_images, prompt, metadata, aspect_ratio)
    urls = [publish_png(env, f"images/{env.request_id}-{i + 1}.png", out.image) for i, out in enumerate(outputs)]
    sizes = [[out.image.width, out.image.height] for out in outputs]
    # What each output is (a cut-out on a new backdrop, a detail, a collage, a variation), in order.
    kinds = [out.kind for out in outputs]
    images = [{"url": url, "kind": kind, "width": w, "height": h} for url, kind, (w, h) in zip(urls, kinds, sizes,
                                                                                            strict=True)]
    return Published(
        result={"result_url": urls[0], "result_urls": urls, "num_images": len(urls), "sizes": sizes,
                "kinds": kinds, "images": images}
    )
