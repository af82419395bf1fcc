"""Which provider serves a request: the model catalogue, the deployment's configuration and the
request's model keys.

Every model key the hosted API documents (``GPTIMAGE1``, ``RUNWAYML``, ``VEO3.1I2V``, …) is
accepted. A key resolves, through ``Settings.model_providers`` (or, for image keys, the older
``openai_image_models`` map), to a backend the operator configured; without one it resolves to the
offline provider of its kind. :func:`describe_image` / :func:`describe_video` name what actually
serves a key (``"LOCAL (offline default for RUNWAYML)"``) so status bodies never pretend a hosted
model ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelforge.providers.image import ImageProvider, LocalIllustrator, OpenAIImageProvider
from reelforge.providers.offline_tts import OfflineTTS
from reelforge.providers.openai_compat import OpenAICompatClient
from reelforge.providers.piper_tts import piper_voice_for
from reelforge.providers.script import ChatScriptWriter, ScriptWriter, TemplateScriptWriter
from reelforge.providers.translate import ChatTranslator, PhrasebookTranslator, TextTranslator
from reelforge.providers.tts import DEFAULT_ESPEAK_NARRATOR, ESPEAK_NARRATORS, OpenAISpeechTTS, TTSProvider
from reelforge.settings import Settings
from reelforge.text.languages import SUPPORTED_LANGUAGES

LOCAL = "LOCAL"
OPENAI_PREFIX = "openai:"

# The keys the docs name: video-api.txt, legacy-video-api-v0.md and the samsar-js README.
IMAGE_MODEL_KEYS = (
    "GPTIMAGE1",
    "GPTIMAGE2",
    "IMAGEN4",
    "SEEDREAM",
    "HUNYUAN",
    "NANOBANANA",
    "NANOBANANA2",
    "CUSTOM_TEXT_TO_IMAGE",
    LOCAL,
)
VIDEO_MODEL_KEYS = (
    "RUNWAYML",
    "KLINGIMGTOVID3PRO",
    "KLINGIMGTOVID2.1PRO",
    "HAILUO",
    "HAILUOPRO",
    "SEEDANCEI2V",
    "VEO3.1I2V",
    "VEO3.1I2VFAST",
    "SORA2",
    "SORA2PRO",
    "HAPPYHORSEI2V",
    LOCAL,
)
DEFAULT_IMAGE_MODEL = "GPTIMAGE1"  # legacy-video-api-v0.md's default
DEFAULT_VIDEO_MODEL = "RUNWAYML"  # the samsar-js README's default for image lists and text


class ProviderConfigError(ValueError):
    """``model_providers`` names a backend this deployment cannot serve."""


@dataclass(frozen=True)
class Backend:
    """What serves one model key: ``local`` or an OpenAI-compatible model name."""

    key: str
    openai_model: str | None = None

    @property
    def label(self) -> str:
        if self.openai_model:
            return f"OPENAI {self.openai_model} (for {self.key})"
        return LOCAL if self.key == LOCAL else f"LOCAL (offline default for {self.key})"


def _client(settings: Settings) -> OpenAICompatClient | None:
    if not settings.openai_base_url:
        return None
    return OpenAICompatClient(settings.openai_base_url, settings.openai_api_key)


def _configured(settings: Settings, key: str) -> str | None:
    spec = settings.model_providers.get(key)
    return spec.strip() if spec else None


def image_backend(settings: Settings, key: str) -> Backend:
    spec = _configured(settings, key)
    if spec is None and key in settings.openai_image_models:
        spec = OPENAI_PREFIX + settings.openai_image_models[key]
    if spec is None or spec.lower() == "local" or key == LOCAL:
        return Backend(key)
    if spec.startswith(OPENAI_PREFIX):
        # An OpenAI model configured without an endpoint falls back to the offline provider
        # (the label says so): the deployment works before its operator adds a key.
        return Backend(key, spec.removeprefix(OPENAI_PREFIX)) if settings.openai_base_url else Backend(key)
    raise ProviderConfigError(f"model_providers[{key!r}] = {spec!r}: expected 'local' or 'openai:<model>'")


def video_backend(settings: Settings, key: str) -> Backend:
    spec = _configured(settings, key)
    if spec is None or spec.lower() == "local":
        return Backend(key)
    # Image-to-video has one backend here: the offline camera-motion clip model. Refusing any
    # other setting is better than silently labelling offline clips with a hosted model's name.
    raise ProviderConfigError(
        f"model_providers[{key!r}] = {spec!r}: video keys can only be served by 'local' in this deployment"
    )


def image_models(settings: Settings) -> list[str]:
    # Keys an operator maps to an OpenAI-compatible model beyond the documented ones are accepted too.
    return [*IMAGE_MODEL_KEYS, *(k for k in settings.openai_image_models if k not in IMAGE_MODEL_KEYS)]


def video_models(settings: Settings) -> list[str]:
    return list(VIDEO_MODEL_KEYS)


def describe_image(settings: Settings, key: str) -> str:
    return image_backend(settings, key).label


def describe_video(settings: Settings, key: str) -> str:
    return video_backend(settings, key).label


def describe_script_writer(settings: Settings) -> str:
    return f"OPENAI {settings.openai_chat_model}" if settings.openai_base_url else "LOCAL (template script writer)"


def describe_tts(settings: Settings) -> str:
    return f"OPENAI {settings.openai_speech_model}" if settings.openai_base_url else "LOCAL (espeak-ng)"


def text_translator(settings: Settings) -> TextTranslator:
    client = _client(settings)
    return ChatTranslator(client, settings.openai_chat_model) if client else PhrasebookTranslator()


def image_provider(settings: Settings, model: str) -> ImageProvider:
    backend = image_backend(settings, model)
    client = _client(settings)
    if backend.openai_model and client is not None:
        return OpenAIImageProvider(client, backend.openai_model)
    return LocalIllustrator()


def script_writer(settings: Settings) -> ScriptWriter:
    client = _client(settings)
    return ChatScriptWriter(client, settings.openai_chat_model) if client else TemplateScriptWriter()


def tts_voices(settings: Settings) -> list[dict[str, Any]]:
    """The voices :func:`tts` really speaks with, each with the languages it is used for: the
    configured endpoint's voice, or offline the packaged Piper voices (their language) and
    espeak-ng's narrators (every other supported language; OfflineTTS routes by language)."""
    if _client(settings) is not None:
        voice = settings.openai_speech_voice
        return [{"voice_id": voice, "name": voice, "provider": describe_tts(settings), "languages": ["*"]}]
    piper = {lang: pkg for lang in SUPPORTED_LANGUAGES if (pkg := piper_voice_for(lang)) is not None}
    voices: list[dict[str, Any]] = [
        {"voice_id": pkg.name, "name": pkg.name, "provider": "piper", "languages": [lang], "default": True}
        for lang, pkg in piper.items()
    ]
    others = [lang for lang in SUPPORTED_LANGUAGES if lang not in piper]
    voices += [
        {"voice_id": name, "name": name, "provider": "espeak-ng", "languages": others,
         "default": name == DEFAULT_ESPEAK_NARRATOR}
        for name in ESPEAK_NARRATORS
    ]
    return voices


def tts(settings: Settings) -> TTSProvider:
    client = _client(settings)
    if client is not None:
        return OpenAISpeechTTS(client, settings.openai_speech_model, settings.openai_speech_voice)
    return OfflineTTS()  # Piper where a packaged voice speaks the language, espeak-ng elsewhere
