"""The offline speech default: a neural Piper voice where a package ships one for the language,
espeak-ng's formant voices for every other language."""

from __future__ import annotations

from pathlib import Path

from reelforge.providers.openai_compat import OpenAICompatClient
from reelforge.providers.piper_tts import PiperTTS, piper_voice_for
from reelforge.providers.tts import ESPEAK_NARRATORS, EspeakTTS, OpenAISpeechTTS, SpeechResult, TTSProvider
from reelforge.text.languages import detect_language, normalise_tag

_ESPEAK_RATE_WPM = 160
MAX_SPEED = 1.6  # faster than this is hard to follow, in either engine


class OfflineTTS:
    """Routes each request by language. ``speed`` > 1 speaks faster (narration fitted to a scene)."""

    voices: tuple[str, ...] = EspeakTTS.voices  # narrators for espeak; a Piper voice is one speaker

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = min(MAX_SPEED, max(0.5, speed))

    def at_speed(self, speed: float) -> OfflineTTS:
        return OfflineTTS(speed)

    def uses_piper(self, language: str, text: str = "") -> bool:
        return piper_voice_for(_language(language, text)) is not None

    def synthesize(self, text: str, language: str, out_path: Path, voice: str | None = None) -> SpeechResult:
        package = piper_voice_for(_language(language, text))
        if package is not None:
            return PiperTTS(package, length_scale=1 / self.speed).synthesize(text, language, out_path)
        narrator = voice if voice in ESPEAK_NARRATORS else None
        return EspeakTTS(rate_wpm=round(_ESPEAK_RATE_WPM * self.speed)).synthesize(text, language, out_path, narrator)


def _language(language: str, text: str) -> str:
    code = normalise_tag(language)
    return detect_language(text) if code in ("", "auto") else code


def tts_for(config: object) -> TTSProvider:
    """Pick the speech provider for a deployment.

    Reads optional attributes ``openai_base_url``, ``openai_api_key``, ``openai_speech_model``
    (default ``tts-1``) and ``openai_speech_voice`` (default ``alloy``) from ``config``: with a
    base URL the HTTP provider is used, otherwise offline speech (a packaged Piper voice where the
    language has one, espeak-ng for the rest).
    """
    base_url = getattr(config, "openai_base_url", None)
    if base_url:
        client = OpenAICompatClient(str(base_url), getattr(config, "openai_api_key", None))
        model = str(getattr(config, "openai_speech_model", None) or "tts-1")
        voice = str(getattr(config, "openai_speech_voice", None) or "alloy")
        return OpenAISpeechTTS(client, model, voice)
    return OfflineTTS()
