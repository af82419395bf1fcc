"""Which provider serves a request: the deployment's configuration and the request's model keys.

Offline providers are always available (model key ``LOCAL``); an OpenAI-compatible endpoint,
when configured, adds its models.
"""

from __future__ import annotations

from reelforge.providers.image import ImageProvider, LocalIllustrator, OpenAIImageProvider
from reelforge.providers.offline_tts import OfflineTTS
from reelforge.providers.openai_compat import OpenAICompatClient
from reelforge.providers.script import ChatScriptWriter, ScriptWriter, TemplateScriptWriter
from reelforge.providers.tts import OpenAISpeechTTS, TTSProvider
from reelforge.settings import Settings

LOCAL = "LOCAL"


def _client(settings: Settings) -> OpenAICompatClient | None:
    if not settings.openai_base_url:
        return None
    return OpenAICompatClient(settings.openai_base_url, settings.openai_api_key)


def image_models(settings: Settings) -> list[str]:
    return [LOCAL, *(settings.openai_image_models if settings.openai_base_url else {})]


def video_models(settings: Settings) -> list[str]:
    # Hosted image-to-video keys (RUNWAYML, VEO3.1I2V, …) appear only once an i2v provider is
    # configured; this deployment ships the offline camera-motion clip model.
    return [LOCAL]


def image_provider(settings: Settings, model: str) -> ImageProvider:
    client = _client(settings)
    if model != LOCAL and client is not None and model in settings.openai_image_models:
        return OpenAIImageProvider(client, settings.openai_image_models[model])
    return LocalIllustrator()


def script_writer(settings: Settings) -> ScriptWriter:
    client = _client(settings)
    return ChatScriptWriter(client, settings.openai_chat_model) if client else TemplateScriptWriter()


def tts(settings: Settings) -> TTSProvider:
    client = _client(settings)
    if client is not None:
        return OpenAISpeechTTS(client, settings.openai_speech_model, settings.openai_speech_voice)
    return OfflineTTS()  # Piper where a packaged voice speaks the language, espeak-ng elsewhere
