"""Stage speech_generation: narration audio per scene, with word timings for subtitles."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reelforge.providers import registry
from reelforge.providers.offline_tts import OfflineTTS
from reelforge.providers.tts import SpeechResult
from reelforge.render.audio import retempo
from reelforge.runtime import Runtime
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import ScriptOutput, SpeechOutput, SpeechTrack


def speech_cache_key(rt: Runtime, script: ScriptOutput, single_narrator: bool) -> dict[str, Any]:
    """Everything the narration depends on (the same script in the same voices is reused)."""
    s = rt.settings
    return {
        "narrations": [scene.narration for scene in script.script.scenes],
        "language": script.language,
        "single": single_narrator,
        "tts": [s.openai_base_url, s.openai_speech_model, s.openai_speech_voice, "offline-v2"],
    }


# The most a fitted narration is sped up: beyond ~15 % faster speech starts to sound hurried, so
# what still does not fit lengthens its scene instead.
MAX_TEMPO = 1.15


def fit_speech(result: SpeechResult, path: Path, budget_s: float) -> tuple[SpeechResult, float]:
    """``result`` (spoken into ``path``) sped up towards ``budget_s`` seconds, at most MAX_TEMPO;
    the (possibly unchanged) result and the factor applied."""
    if result.duration_s <= budget_s or budget_s <= 0:
        return result, 1.0
    factor = min(result.duration_s / budget_s, MAX_TEMPO)
    faster = path.with_name(f"{path.stem}-tempo{path.suffix}")
    retempo(path, faster, factor)
    faster.replace(path)
    with wave.open(str(path), "rb") as wav:
        seconds = wav.getnframes() / wav.getframerate()
    words = [replace(w, start_s=w.start_s / factor, end_s=w.end_s / factor) for w in result.words]
    return replace(result, duration_s=seconds, words=words), factor


def narrate(
    env: StageEnv,
    script: ScriptOutput,
    *,
    single_narrator: bool,
    scene_budget_s: float | None = None,
    fit_s: Sequence[float] | None = None,
) -> SpeechOutput:
    """Speak each scene's narration. ``scene_budget_s``: narration longer than this is re-spoken faster.
    ``fit_s``: per scene, the seconds its speech should fit in; longer speech is sped up by tempo
    (at most MAX_TEMPO, pitch kept) and whatever remains is left for the scene to grow into."""
    tts = registry.tts(env.rt.settings)
    voices = tts.voices if isinstance(tts, OfflineTTS) else (None,)
    tracks = []
    for i, scene in enumerate(script.script.scenes):
        voice = voices[0] if single_narrator else voices[i % len(voices)]
        path = env.work_dir() / f"speech-{i}.wav"
        result = tts.synthesize(scene.narration, script.language, path, voice=voice)
        if scene_budget_s and result.duration_s > scene_budget_s and isinstance(tts, OfflineTTS):
            faster = tts.at_speed(result.duration_s / scene_budget_s * 1.03)
            result = faster.synthesize(scene.narration, script.language, path, voice=voice)
        if fit_s is not None and i < len(fit_s):
            result, _ = fit_speech(result, path, fit_s[i])
        tracks.append(
            SpeechTrack(
                key=env.rt.blobs.put_file(env.session_file(f"speech-{i}.wav"), path),
                duration_s=result.duration_s,
                voice=result.voice or voice,
                provider=result.provider or None,
                words=[(w.text, w.start_s, w.end_s) for w in result.words],
            )
        )
    return SpeechOutput(speech=tracks)
