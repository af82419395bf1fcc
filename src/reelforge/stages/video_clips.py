"""Stage ai_video_generation: a clip per scene. The offline model animates each still with a
camera move (rendered inside the final filter graph, so here it is chosen, not encoded)."""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.sessions.document import CameraMotion
from reelforge.stages.outputs import Clip, ClipsOutput

# Pans glide along the canvas's long side, alternating direction scene by scene. Push-ins stay
# available to documents (and hosted models) but are not the offline default: a zoom changes every
# block of every frame, and two zooms among six scenes made the whole render 17 % slower than
# constant-velocity pans (docs/performance.md, "Render").
LANDSCAPE_MOTIONS: tuple[CameraMotion, ...] = ("pan_right", "pan_left")
PORTRAIT_MOTIONS: tuple[CameraMotion, ...] = ("pan_down", "pan_up")


def motions_for(width: int, height: int) -> tuple[CameraMotion, ...]:
    return PORTRAIT_MOTIONS if height > width else LANDSCAPE_MOTIONS


def animate_stills(sources: Sequence[str], canvas: tuple[int, int]) -> ClipsOutput:
    motions = motions_for(*canvas)
    return ClipsOutput(clips=[Clip(source=key, motion=motions[i % len(motions)]) for i, key in enumerate(sources)])
