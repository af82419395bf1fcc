"""The media gateway's audio kinds besides speech (``/v2/external/audio/*``): ``text_to_music``,
``sound_effect`` and ``transcript_alignment``. Each is one stage with an audio (or alignment)
artefact; every response names what did the work: the hosted music models' keys are accepted and
served by the offline music bed, labelled as such."""

from __future__ import annotations

import math
import re
import zlib
from typing import Any

from pydantic import Field, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.audio_speech import TEXT_TO_SPEECH, checked_language
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.stages.audio_gateway import SpeechReference, music, sound_effect, transcript_alignment
from reelforge.stages.outputs import StageOutput

AUDIO_STATUS = {"status_endpoint": "/v2/external/audio/status"}

# The hosted music models samsar-js names, by every spelling it documents; all served offline here.
MUSIC_MODELS = {"ELEVENLABS_MUSIC": "ELEVENLABS_MUSIC", "ELEVENLABS": "ELEVENLABS_MUSIC",
                "ELEVENLABSMUSIC": "ELEVENLABS_MUSIC", "LYRIA3": "LYRIA3", "LYRIA2": "LYRIA2", "LOCAL": "LOCAL"}
MAX_MUSIC_S = 300.0
MAX_EFFECT_S = 30.0
MAX_ALIGN_S = 600.0
REFERENCE_SCAN = 200  # recent audio requests searched for the TTS's earlier speech of the text
MAX_REFERENCES = 3
# Words that ask for the slower, minor, wider arrangement of the music bed.
CINEMATIC_WORDS = {"cinematic", "epic", "dramatic", "dark", "suspense", "suspenseful", "trailer", "sad",
                   "melancholic", "tense", "orchestral", "mysterious", "emotional", "ambient", "slow"}


def _model_key(value: Any) -> Any:
    return re.sub(r"[\s-]+", "", value).upper() if isinstance(value, str) else value


class TextToMusicRequest(RequestBody):
    prompt: str = Field(..., min_length=1, max_length=2000, validation_alias=aliases("prompt", "text", "description"))
    model: str | None = Field(None, validation_alias=aliases(
        "model", "music_model", "musicModel", "music_provider", "musicProvider"))
    duration: float = Field(30.0, gt=0, le=MAX_MUSIC_S, validation_alias=aliases(
        "duration", "duration_seconds", "durationSeconds", "seconds_total", "secondsTotal"))
    is_instrumental: bool = Field(True, validation_alias=aliases("is_instrumental", "isInstrumental"))

    @field_validator("model", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        return _model_key(value)


class TextToMusicJob(JobInput):
    prompt: str
    seconds: float
    tone: str
    seed: int
    model: str


def _music(ctx: StageContext[TextToMusicJob]) -> StageOutput:
    job = ctx.job
    return music(ctx.env, job.prompt, job.seconds, job.tone, job.seed)


class TextToMusic(SingleStageKind[TextToMusicRequest, TextToMusicJob], case_type="external_text_to_music",
                  media_type="audio", id_prefix="aud_mus"):
    input_model = TextToMusicJob
    only_stage = StageDef[TextToMusicJob]("music_generation", _music)

    def prepare(self, body: TextToMusicRequest, env: PrepareEnv) -> Prepared[TextToMusicJob]:
        model = MUSIC_MODELS.get(body.model or "LOCAL")
        if model is None:
            raise BadRequest(f"model {body.model!r} is not a music model; one of {sorted(set(MUSIC_MODELS.values()))}.",
                             field="model")
        words = set(re.findall(r"[a-z]+", body.prompt.lower()))
        tone = "cinematic" if words & CINEMATIC_WORDS else "grounded"
        job = TextToMusicJob(prompt=body.prompt, seconds=body.duration, tone=tone, model=model,
                             seed=zlib.crc32(body.prompt.encode()) % 10_000)
        # Offline music has no vocals: say so rather than answer a vocal request as if sung.
        vocals = "the offline music bed is instrumental; no vocals were generated"
        note = {} if body.is_instrumental else {"is_instrumental": True, "note": vocals}
        return Prepared(job, response_extra={**AUDIO_STATUS, "model": model, **note})

    def provider(self, job: TextToMusicJob) -> str:
        return "LOCAL (procedural music bed)" if job.model == "LOCAL" else f"LOCAL (offline default for {job.model})"

    def price(self, job: TextToMusicJob, prices: PriceTable) -> int:
        return prices.per_second("external_text_to_music", job.seconds)


class SoundEffectRequest(RequestBody):
    prompt: str = Field(..., min_length=1, max_length=1000, validation_alias=aliases(
        "prompt", "text", "description", "audio_prompt", "audioPrompt"))
    duration: float = Field(5.0, ge=0.5, le=MAX_EFFECT_S, validation_alias=aliases(
        "duration", "duration_seconds", "durationSeconds", "seconds_total", "secondsTotal"))


class SoundEffectJob(JobInput):
    prompt: str
    seconds: float


def _effect(ctx: StageContext[SoundEffectJob]) -> StageOutput:
    return sound_effect(ctx.env, ctx.job.prompt, ctx.job.seconds)


class SoundEffect(SingleStageKind[SoundEffectRequest, SoundEffectJob], case_type="external_sound_effect",
                  media_type="audio", id_prefix="aud_sfx"):
    input_model = SoundEffectJob
    only_stage = StageDef[SoundEffectJob]("sound_effect_generation", _effect)

    def prepare(self, body: SoundEffectRequest, env: PrepareEnv) -> Prepared[SoundEffectJob]:
        return Prepared(SoundEffectJob(prompt=body.prompt, seconds=body.duration), response_extra=AUDIO_STATUS)

    def provider(self, job: SoundEffectJob) -> str:
        return "LOCAL (procedural sound effects)"

    def price(self, job: SoundEffectJob, prices: PriceTable) -> int:
        return prices.per_second("external_sound_effect", job.seconds)


class TranscriptAlignmentRequest(RequestBody):
    audio_url: str = Field(..., min_length=1, validation_alias=aliases("audio_url", "audioUrl", "audio"))
    text: str = Field(..., min_length=1, max_length=20_000, validation_alias=aliases(
        "text", "transcript", "transcript_text", "transcriptText"))
    language: str = Field("auto", validation_alias=aliases("language", "language_code", "languageCode"))
    voice: str | None = Field(None, validation_alias=aliases("voice", "voice_id", "voiceId"))


class TranscriptAlignmentJob(JobInput):
    audio_key: str
    seconds: float
    text: str
    language: str
    voice: str | None = None
    references: list[SpeechReference] = []


def _align(ctx: StageContext[TranscriptAlignmentJob]) -> StageOutput:
    job = ctx.job
    return transcript_alignment(ctx.env, job.audio_key, job.text, job.language, job.voice, job.references)


def _earlier_speech(env: PrepareEnv, text: str) -> list[SpeechReference]:
    """The caller's (the account's, or the external user's it acts for) completed text_to_speech outputs
    of exactly this text, newest first: Piper samples noise, so its speech is recognised by comparison
    with what it said, not by saying it again."""
    found = []
    for req in requests.list_for(env.rt.db, env.owner, "audio", REFERENCE_SCAN):
        if req.case_type != TEXT_TO_SPEECH.case_type or req.status != "COMPLETED" or req.input.get("text") != text:
            continue
        words = [{"text": w["text"], "start": w["start"], "end": w["end"]} for w in req.result.get("words", [])]
        label = f"{req.result.get('model') or 'tts'}, request {req.id}"
        found.append(SpeechReference(audio_key=f"sessions/{req.id}/speech.wav", words=words, label=label))
    return found[:MAX_REFERENCES]


class TranscriptAlignment(SingleStageKind[TranscriptAlignmentRequest, TranscriptAlignmentJob],
                          case_type="external_transcript_alignment", media_type="audio", id_prefix="aud_aln"):
    input_model = TranscriptAlignmentJob
    only_stage = StageDef[TranscriptAlignmentJob]("transcript_alignment", _align)

    def prepare(self, body: TranscriptAlignmentRequest, env: PrepareEnv) -> Prepared[TranscriptAlignmentJob]:
        language = checked_language(body.language)
        audio = env.media.media(body.audio_url, "audio_url", "audio").at_most(MAX_ALIGN_S, "audio_url")
        job = TranscriptAlignmentJob(audio_key=audio.key, seconds=audio.duration_s, text=body.text,
                                     language=language, voice=body.voice, references=_earlier_speech(env, body.text))
        return Prepared(job, response_extra=AUDIO_STATUS)

    def provider(self, job: TranscriptAlignmentJob) -> str:
        return "LOCAL (offline TTS word events, else faster-whisper)"

    def price(self, job: TranscriptAlignmentJob, prices: PriceTable) -> int:
        return max(1, math.ceil(job.seconds / 60)) * prices.route("external_transcript_alignment", "per_minute")


TEXT_TO_MUSIC = register(TextToMusic())
SOUND_EFFECT = register(SoundEffect())
TRANSCRIPT_ALIGNMENT = register(TranscriptAlignment())
