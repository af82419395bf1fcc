"""Stage image_enhance: upscale and denoise one stored input image and publish the result."""

from __future__ import annotations

from reelforge.imaging.enhance import enhance
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input, publish_png
from reelforge.stages.outputs import Published


def enhance_image(env: StageEnv, input_key: str, resolution: str) -> Published:
    out = enhance(open_input(env, input_key), resolution)
    url = publish_png(env, f"images/{env.request_id}.png", out)
    return Published(result={"result_url": url, "result_urls": [url], "width": out.width, "height": out.height})
