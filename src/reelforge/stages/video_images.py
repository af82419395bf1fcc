"""Stage image_generation (text_to_video): one generated picture per scene."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.providers import registry


@stage("image_generation", queue="gpu")
def run(ctx: StageContext) -> dict[str, Any]:
    opts, script = ctx.input, ctx.outputs["prompt_generation"]
    width, height = opts["canvas"]
    provider = registry.image_provider(ctx.rt.settings, opts.get("image_model", "LOCAL"))
    keys = []
    for i, scene in enumerate(script["script"]["scenes"]):
        path = ctx.work_dir() / f"scene-{i}.png"
        provider.generate(
            f"{opts.get('prompt', '')}\n{scene['narration']}",
            width,
            height,
            seed=i,
            out_path=path,
            title=scene["title"],
            language=script["language"],
            font_key=opts.get("font_key"),
        )
        keys.append(ctx.rt.blobs.put_file(f"sessions/{ctx.request.id}/scene-{i}.png", path))
    return {"scene_images": keys}
