"""Stage text_to_image: pictures from a prompt, by the provider the image model key resolves to."""

from __future__ import annotations

from PIL import Image

from reelforge.providers import registry
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import publish_png
from reelforge.stages.outputs import Published


def generate_images(env: StageEnv, prompt: str, model: str, size: tuple[int, int], count: int) -> Published:
    provider = registry.image_provider(env.rt.settings, model)
    urls = []
    for i in range(count):
        path = env.work_dir() / f"image-{i}.png"
        provider.generate(prompt, size[0], size[1], seed=i, out_path=path)
        with Image.open(path) as img:
            urls.append(publish_png(env, f"images/{env.request_id}-{i}.png", img.convert("RGB")))
    env.clean_work_dir()
    return Published(
        result={
            "result_url": urls[0],
            "result_urls": urls,
            "width": size[0],
            "height": size[1],
            "image_model": model,
            "provider": registry.describe_image(env.rt.settings, model),
        }
    )
