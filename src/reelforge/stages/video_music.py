"""Stage music_generation: a procedural music bed as long as the whole video."""

from __future__ import annotations

import zlib
from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.pipeline.video_plan import OUTRO_SECONDS, has_outro, scene_durations
from reelforge.providers.music import generate_music


def _total_seconds(ctx: StageContext) -> float:
    speech = [t["duration_s"] for t in ctx.outputs["speech_generation"]["speech"]]
    return sum(scene_durations(speech, ctx.input.get("duration"))) + (OUTRO_SECONDS if has_outro(ctx.input) else 0)


def _music_inputs(ctx: StageContext) -> dict[str, Any]:
    return {"seconds": round(_total_seconds(ctx), 3), "tone": ctx.input.get("tone", "grounded"), "seed": _seed(ctx)}


def _seed(ctx: StageContext) -> int:
    # Seeded by the script, so the same ad gets the same bed and the cache can reuse it.
    return zlib.crc32(repr(ctx.outputs["prompt_generation"]["script"]["scenes"]).encode()) % 10_000


@stage("music_generation", queue="cpu", cache_key=_music_inputs)
def run(ctx: StageContext) -> dict[str, Any]:
    total = _total_seconds(ctx)
    path = ctx.work_dir() / "music.wav"
    generate_music(total, ctx.input.get("tone", "grounded"), path, seed=_seed(ctx))
    return {"music_key": ctx.rt.blobs.put_file(f"sessions/{ctx.request.id}/music.wav", path), "duration_s": total}
