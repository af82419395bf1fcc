"""Stage speech_generation: narration audio per scene, with word timings for subtitles."""

from __future__ import annotations

from typing import Any

from reelforge.providers import registry
from reelforge.providers.tts import EspeakTTS
from reelforge.runtime import Runtime
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import ScriptOutput, SpeechOutput, SpeechTrack

MAX_RATE_WPM = 260


def speech_cache_key(rt: Runtime, script: ScriptOutput, single_narrator: bool) -> dict[str, Any]:
    """Everything the narration depends on (the same script in the same voices is reused)."""
    s = rt.settings
    return {
        "narrations": [scene.narration for scene in script.script.scenes],
        "language": script.language,
        "single": single_narrator,
        "tts": [s.openai_base_url, s.openai_speech_model, s.openai_speech_voice],
    }


def narrate(
    env: StageEnv, script: ScriptOutput, *, single_narrator: bool, scene_budget_s: float | None = None
) -> SpeechOutput:
    """Speak each scene's narration. ``scene_budget_s``: narration longer than this is re-spoken faster."""
    tts = registry.tts(env.rt.settings)
    voices = EspeakTTS.voices if isinstance(tts, EspeakTTS) else (None,)
    tracks = []
    for i, scene in enumerate(script.script.scenes):
        voice = voices[0] if single_narrator else voices[i % len(voices)]
        path = env.work_dir() / f"speech-{i}.wav"
        result = tts.synthesize(scene.narration, script.language, path, voice=voice)
        if scene_budget_s and result.duration_s > scene_budget_s and isinstance(tts, EspeakTTS):
            rate = min(MAX_RATE_WPM, int(tts.rate_wpm * result.duration_s / scene_budget_s) + 5)
            result = EspeakTTS(rate_wpm=rate).synthesize(scene.narration, script.language, path, voice=voice)
        tracks.append(
            SpeechTrack(
                key=env.rt.blobs.put_file(env.session_file(f"speech-{i}.wav"), path),
                duration_s=result.duration_s,
                voice=voice,
                words=[(w.text, w.start_s, w.end_s) for w in result.words],
            )
        )
    return SpeechOutput(speech=tracks)
