"""Stage image_set: distinct variants of the input images (reframed, graded, bannered)."""

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
    urls = [publish_png(env, f"images/{env.request_id}-{i + 1}.png", img) for i, img in enumerate(outputs)]
    sizes = [[img.width, img.height] for img in outputs]
    return Published(
        result={"result_url": urls[0], "result_urls": urls, "num_images": len(urls), "sizes": sizes}
    )
