"""Stage speech_generation: narration audio per scene, with word timings for subtitles."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.pipeline.video_plan import SCENE_PADDING_S
from reelforge.providers import registry
from reelforge.providers.tts import EspeakTTS

MAX_RATE_WPM = 260


def _speech_inputs(ctx: StageContext) -> dict[str, Any]:
    script = ctx.outputs["prompt_generation"]
    settings = ctx.rt.settings
    return {
        "narrations": [s["narration"] for s in script["script"]["scenes"]],
        "language": script["language"],
        "single": bool(ctx.input.get("limit_single_narrator")),
        "tts": [settings.openai_base_url, settings.openai_speech_model, settings.openai_speech_voice],
    }


@stage("speech_generation", queue="cpu", cache_key=_speech_inputs)
def run(ctx: StageContext) -> dict[str, Any]:
    script = ctx.outputs["prompt_generation"]
    tts = registry.tts(ctx.rt.settings)
    voices = EspeakTTS.voices if isinstance(tts, EspeakTTS) else (None,)
    single = bool(ctx.input.get("limit_single_narrator"))
    scenes = script["script"]["scenes"]
    # A requested duration is a budget: narration that overruns its scene is re-spoken faster.
    budget = float(ctx.input["duration"]) / len(scenes) - SCENE_PADDING_S if ctx.input.get("duration") else None
    tracks = []
    for i, scene in enumerate(scenes):
        voice = voices[0] if single else voices[i % len(voices)]
        path = ctx.work_dir() / f"speech-{i}.wav"
        result = tts.synthesize(scene["narration"], script["language"], path, voice=voice)
        if budget and result.duration_s > budget and isinstance(tts, EspeakTTS):
            faster = EspeakTTS(rate_wpm=min(MAX_RATE_WPM, int(tts.rate_wpm * result.duration_s / budget) + 5))
            result = faster.synthesize(scene["narration"], script["language"], path, voice=voice)
        key = ctx.rt.blobs.put_file(f"sessions/{ctx.request.id}/speech-{i}.wav", path)
        tracks.append(
            {
                "key": key,
                "duration_s": result.duration_s,
                "voice": voice,
                "words": [[w.text, w.start_s, w.end_s] for w in result.words],
            }
        )
    return {"speech": tracks}
