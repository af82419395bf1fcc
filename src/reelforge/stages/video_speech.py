"""Stage speech_generation: narration audio per scene, with word timings for subtitles."""

from __future__ import annotations

from typing import Any

from reelforge.providers import registry
from reelforge.providers.offline_tts import OfflineTTS
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


def narrate(
    env: StageEnv, script: ScriptOutput, *, single_narrator: bool, scene_budget_s: float | None = None
) -> SpeechOutput:
    """Speak each scene's narration. ``scene_budget_s``: narration longer than this is re-spoken faster."""
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
