"""Stage ai_video_generation: a clip per scene. The offline model animates each still with a
camera move (rendered inside the final filter graph, so here it is chosen, not encoded)."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage

MOTIONS = ("push_in", "pan_right", "push_out", "pan_left")


@stage("ai_video_generation", queue="gpu")
def run(ctx: StageContext) -> dict[str, Any]:
    if "image_generation" in ctx.outputs:
        sources = ctx.outputs["image_generation"]["scene_images"]
    else:
        sources = [img["key"] for img in ctx.input["images"]]
    return {"clips": [{"source": key, "motion": MOTIONS[i % len(MOTIONS)]} for i, key in enumerate(sources)]}
