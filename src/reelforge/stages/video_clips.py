"""Stage ai_video_generation: a clip per scene. The offline model animates each still with a
camera move (rendered inside the final filter graph, so here it is chosen, not encoded)."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.sessions.document import CameraMotion

# Pans glide along the canvas's long side, alternating direction scene by scene. Push-ins stay
# available to documents (and hosted models) but are not the offline default: a zoom changes every
# block of every frame, and two zooms among six scenes made the whole render 17 % slower than
# constant-velocity pans (docs/performance.md, "Render").
LANDSCAPE_MOTIONS: tuple[CameraMotion, ...] = ("pan_right", "pan_left")
PORTRAIT_MOTIONS: tuple[CameraMotion, ...] = ("pan_down", "pan_up")


def motions_for(width: int, height: int) -> tuple[CameraMotion, ...]:
    return PORTRAIT_MOTIONS if height > width else LANDSCAPE_MOTIONS


@stage("ai_video_generation", queue="gpu")
def run(ctx: StageContext) -> dict[str, Any]:
    if "image_generation" in ctx.outputs:
        sources = ctx.outputs["image_generation"]["scene_images"]
    else:
        sources = [img["key"] for img in ctx.input["images"]]
    width, height = ctx.input.get("canvas", (16, 9))
    motions = motions_for(width, height)
    return {"clips": [{"source": key, "motion": motions[i % len(motions)]} for i, key in enumerate(sources)]}
