"""``/v2/external/audio/text_to_speech``: a text spoken by the deployment's TTS provider, as an
asynchronous job with a WAV artefact and word timings. Priced per started 1,000 characters."""

from __future__ import annotations

import math

from pydantic import Field

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import Prepared, PrepareEnv, ServedInput, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.providers import registry
from reelforge.stages.audio_speech import speak
from reelforge.stages.outputs import StageOutput
from reelforge.text.languages import SUPPORTED_LANGUAGES

MAX_CHARS = 5000


def checked_language(value: str) -> str:
    """A request's language tag, lower-cased (``auto`` when empty); 400 naming ``language`` when unsupported."""
    language = value.strip().lower() or "auto"
    if language != "auto" and language.split("-")[0] not in SUPPORTED_LANGUAGES:
        raise BadRequest(f"language {value!r} is not supported.", field="language")
    return language


class TextToSpeechRequest(RequestBody):
    text: str = Field(..., min_length=1, max_length=MAX_CHARS, validation_alias=aliases("text", "prompt", "input_text"))
    voice: str | None = Field(None, validation_alias=aliases("voice", "voice_id", "voiceId", "speaker"))
    language: str = Field("auto", validation_alias=aliases("language", "language_code", "languageCode"))


class TextToSpeechJob(ServedInput):
    text: str
    language: str
    voice: str | None = None


def _speak(ctx: StageContext[TextToSpeechJob]) -> StageOutput:
    return speak(ctx.env, ctx.job.text, ctx.job.language, ctx.job.voice)


class TextToSpeech(
    SingleStageKind[TextToSpeechRequest, TextToSpeechJob],
    case_type="external_text_to_speech",
    media_type="audio",
    id_prefix="aud_tts",
):
    input_model = TextToSpeechJob
    only_stage = StageDef[TextToSpeechJob]("speech_generation", _speak)

    def prepare(self, body: TextToSpeechRequest, env: PrepareEnv) -> Prepared[TextToSpeechJob]:
        language = checked_language(body.language)
        settings = env.rt.settings
        if body.voice is not None:
            voices = {v["voice_id"]: v["languages"] for v in registry.tts_voices(settings)}
            if body.voice not in voices:
                raise BadRequest(f"voice {body.voice!r} is not one of {sorted(voices)}; "
                                 "see GET /v2/external/audio/voices.", field="voice")
            spoken = voices[body.voice]
            if language != "auto" and "*" not in spoken and language.split("-")[0] not in spoken:
                raise BadRequest(f"voice {body.voice!r} does not speak {language!r}.", field="voice")
        job = TextToSpeechJob(text=body.text, language=language, voice=body.voice,
                              provider=registry.describe_tts(settings))
        return Prepared(job, response_extra={"status_endpoint": "/v2/external/audio/status"})

    def price(self, job: TextToSpeechJob, prices: PriceTable) -> int:
        units = max(1, math.ceil(len(job.text) / 1000))
        return units * prices.route("external_text_to_speech", "per_1000_characters")


TEXT_TO_SPEECH = register(TextToSpeech())
