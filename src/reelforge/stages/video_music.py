"""Stage music_generation: a procedural music bed as long as the whole video."""

from __future__ import annotations

import zlib

from reelforge.providers.music import generate_music
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import MusicOutput, ScriptOutput


def music_seed(script: ScriptOutput) -> int:
    """Seeded by the script, so the same ad gets the same bed and the cache can reuse it."""
    scenes = [scene.model_dump() for scene in script.script.scenes]
    return zlib.crc32(repr(scenes).encode()) % 10_000


def music_bed(env: StageEnv, seconds: float, tone: str, seed: int) -> MusicOutput:
    path = env.work_dir() / "music.wav"
    generate_music(seconds, tone, path, seed=seed)
    return MusicOutput(music_key=env.rt.blobs.put_file(env.session_file("music.wav"), path), duration_s=seconds)
