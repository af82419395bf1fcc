"""Stage music_generation: a procedural music bed as long as the whole video."""

from __future__ import annotations

import zlib
from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.pipeline.video_plan import OUTRO_SECONDS, has_outro, scene_durations
from reelforge.providers.music import generate_music


@stage("music_generation", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    speech = [t["duration_s"] for t in ctx.outputs["speech_generation"]["speech"]]
    total = sum(scene_durations(speech, ctx.input.get("duration"))) + (OUTRO_SECONDS if has_outro(ctx.input) else 0)
    path = ctx.work_dir() / "music.wav"
    generate_music(total, ctx.input.get("tone", "grounded"), path, seed=zlib.crc32(ctx.request.id.encode()) % 10_000)
    return {"music_key": ctx.rt.blobs.put_file(f"sessions/{ctx.request.id}/music.wav", path), "duration_s": total}
