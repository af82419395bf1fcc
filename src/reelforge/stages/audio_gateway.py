"""Stages of the media gateway's audio routes besides speech: ``music_generation`` (the procedural
music bed), ``sound_effect_generation`` (a keyword-driven synthesis) and ``transcript_alignment``
(word timings of a known text in an audio file)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from pydantic import BaseModel

from reelforge.providers import aligner, sound_effects
from reelforge.providers.music import generate_music, style_for
from reelforge.providers.tts import write_wav_mono16
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published


class SpokenWord(BaseModel):
    text: str
    start: float
    end: float


class SpeechReference(BaseModel):
    """An earlier TTS output: its stored WAV and the word events the TTS reported for it."""

    audio_key: str
    words: list[SpokenWord]
    label: str


def _publish_audio(env: StageEnv, name: str, path: Any, route: str, stage: str, extra: dict[str, Any]) -> Published:
    url = env.rt.blobs.url(env.rt.blobs.put_file(env.session_file(name), path))
    env.clean_work_dir()
    return Published(result={
        "route_type": route, "external_audio_route": route, "external_audio_stage": stage,
        "audio_url": url, "result_url": url, "result_urls": [url], **extra,
    })


def music(env: StageEnv, prompt: str, seconds: float, tone: str, seed: int) -> Published:
    path = generate_music(seconds, tone, env.work_dir() / "music.wav", seed=seed)
    return _publish_audio(env, "music.wav", path, "text_to_music", "music_generation", {
        "duration": round(seconds, 3), "prompt": prompt, "is_instrumental": True,
        "method": f"procedural music bed ({style_for(tone)} arrangement: chords, pad, arpeggio, bass, percussion)",
    })


def sound_effect(env: StageEnv, prompt: str, seconds: float) -> Published:
    effect = sound_effects.synthesize(prompt, seconds)
    path = env.work_dir() / "sound_effect.wav"
    write_wav_mono16(path, (effect.samples * 32767).astype(np.int16), effect.sample_rate)
    return _publish_audio(env, "sound_effect.wav", path, "sound_effect", "sound_effect_generation", {
        "duration": round(seconds, 3), "prompt": prompt, "method": effect.describe(),
        "sound_effects": list(effect.recipes), "keywords_matched": effect.matched,
    })


def transcript_alignment(
    env: StageEnv, audio_key: str, text: str, language: str, voice: str | None, references: list[SpeechReference]
) -> Published:
    """``references``: the caller's earlier text_to_speech outputs of this text (jobs/audio_gateway)."""
    cache_dir = env.rt.settings.data_dir.resolve() / "models"
    spoken = [
        aligner.SpokenReference(env.rt.blobs.path(ref.audio_key),
                                [aligner.AlignedWord(w.text, w.start, w.end) for w in ref.words], ref.label)
        for ref in references if env.rt.blobs.exists(ref.audio_key)
    ]
    result = aligner.align(env.rt.blobs.path(audio_key), text, language, voice, env.work_dir(), cache_dir, spoken)
    env.clean_work_dir()
    words = [{"text": w.text, "start": w.start_s, "end": w.end_s, "heard": w.heard} for w in result.words]
    alignment = {"text": text, "words": words, "method": result.method, "detail": result.detail}
    # The artefact is the alignment itself, also stored as JSON beside the request's other files.
    key = env.rt.blobs.put_bytes(env.session_file("alignment.json"), json.dumps(alignment).encode())
    url = env.rt.blobs.url(key)
    return Published(result={
        "route_type": "transcript_alignment", "external_audio_route": "transcript_alignment",
        "external_audio_stage": "transcript_alignment", "provider": result.provider,
        "result_url": url, "result_urls": [url], "alignment_url": url, **alignment,
    })
