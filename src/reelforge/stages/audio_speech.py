"""Stage speech_generation of the media gateway's text_to_speech: one text spoken by the configured
TTS provider (offline: Piper where a packaged voice speaks the language, espeak-ng elsewhere), with
its word timings."""

from __future__ import annotations

from reelforge.providers import registry
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published


def speak(env: StageEnv, text: str, language: str, voice: str | None) -> Published:
    path = env.work_dir() / "speech.wav"
    result = registry.tts(env.rt.settings).synthesize(text, language, path, voice=voice)
    url = env.rt.blobs.url(env.rt.blobs.put_file(env.session_file("speech.wav"), path))
    env.clean_work_dir()
    return Published(result={
        "route_type": "text_to_speech",
        "external_audio_route": "text_to_speech",
        "external_audio_stage": "speech_generation",
        "audio_url": url,
        "result_url": url,
        "result_urls": [url],
        "duration": round(result.duration_s, 3),
        "voice": result.voice or voice,
        "model": result.provider or None,
        "words": [{"text": w.text, "start": round(w.start_s, 3), "end": round(w.end_s, 3)} for w in result.words],
    })
