"""Text-to-speech providers: offline espeak-ng, and OpenAI-compatible ``/v1/audio/speech``.

Both write a 16-bit mono WAV and return per-word timings, which the transcript stage turns
into subtitle cues. espeak-ng reports real word positions in its audio; the HTTP protocol has
none, so :class:`OpenAISpeechTTS` estimates them.
"""

from __future__ import annotations

import ctypes
import threading
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from reelforge.providers.openai_compat import OpenAICompatClient, ProviderError
from reelforge.text.languages import detect_language, find_language, normalise_tag
from reelforge.text.linebreak import word_spans
from reelforge.text.scripts import has_script


@dataclass(frozen=True)
class WordTiming:
    """One spoken word (or, for scripts without spaces, one chunk of text).

    ``char_start``/``char_end`` index the synthesized text, so callers can rebuild lines with
    the original spacing (Thai, Japanese and Chinese words are joined without spaces).
    """

    text: str
    start_s: float
    end_s: float
    char_start: int = 0
    char_end: int = 0


@dataclass(frozen=True)
class SpeechResult:
    path: Path
    duration_s: float
    words: list[WordTiming]
    sample_rate: int
    provider: str = ""  # the engine that spoke ("piper", "espeak-ng", "openai")
    voice: str = ""  # the voice it spoke with


class TTSProvider(Protocol):
    def synthesize(self, text: str, language: str, out_path: Path, voice: str | None = None) -> SpeechResult:
        """Speak ``text`` in ``language`` into a WAV at ``out_path``."""
        ...


# -- shared audio helpers ------------------------------------------------------------------

_FRAME_S = 0.01  # energy frames used to trim silence off word ends
_SILENCE_RMS = 300.0  # int16 units; espeak's pauses are digital silence, room tone stays far below


def write_wav_mono16(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())


def _voiced_frames(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Boolean per 10 ms frame: is there speech energy in it?"""
    frame = max(1, int(sample_rate * _FRAME_S))
    count = len(samples) // frame
    if count == 0:
        return np.zeros(0, dtype=bool)
    frames = samples[: count * frame].astype(np.float64).reshape(count, frame)
    return np.sqrt((frames**2).mean(axis=1)) > _SILENCE_RMS


def _trim_end(voiced: np.ndarray, start_s: float, end_s: float) -> float:
    """Move ``end_s`` back to the last voiced frame after ``start_s`` (pauses are not the word)."""
    first, last = int(start_s / _FRAME_S), min(len(voiced), int(np.ceil(end_s / _FRAME_S)))
    spoken = np.flatnonzero(voiced[first:last])
    if len(spoken) == 0:
        return end_s
    return min(end_s, max(start_s + _FRAME_S, float(first + spoken[-1] + 1) * _FRAME_S))


def voiced_range(samples: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """Seconds from the first to the last voiced frame (the whole clip when none is voiced)."""
    duration_s = len(samples) / sample_rate
    voiced = np.flatnonzero(_voiced_frames(samples, sample_rate))
    if len(voiced) == 0:
        return 0.0, duration_s
    return float(voiced[0]) * _FRAME_S, min(duration_s, float(voiced[-1] + 1) * _FRAME_S)


def spread_by_characters(
    text: str, spans: Sequence[tuple[int, int]], start_s: float, end_s: float
) -> list[WordTiming]:
    """Share ``[start_s, end_s]`` among ``spans`` in proportion to their lengths."""
    total = sum(b - a for a, b in spans)
    words: list[WordTiming] = []
    cursor = start_s
    for a, b in spans:
        length = (end_s - start_s) * (b - a) / total if total else 0.0
        words.append(WordTiming(text[a:b], round(float(cursor), 3), round(float(cursor + length), 3), a, b))
        cursor += length
    return words


# -- espeak-ng through the espeakng-loader wheel ---------------------------------------------


# Narrators are espeak voice variants layered on the language voice: name → (variant, pitch 0-100).
# The pitch offset keeps narrators distinguishable even where a variant changes little.
ESPEAK_NARRATORS: dict[str, tuple[str, int]] = {
    "m3": ("m3", 45),
    "f3": ("f3", 55),
    "m1": ("m1", 40),
    "f2": ("f2", 60),
    "m7": ("m7", 50),
    "f4": ("f4", 50),
}
DEFAULT_ESPEAK_NARRATOR = "m3"

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_END = 5  # end of a sentence or clause
_PARAM_RATE = 1
_PARAM_PITCH = 3


class _EspeakEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based character index into the UTF-8 text
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds from the start of this synthesis
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_EspeakEvent)
)


@dataclass
class _RawSpeech:
    samples: np.ndarray
    word_starts: list[tuple[int, int]]  # (0-based char index, audio ms), in speaking order
    clause_ends_ms: list[int]


class _EspeakEngine:
    """The process-wide espeak-ng library. Its state is global, so every call holds one lock."""

    _instance: _EspeakEngine | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader  # imported lazily: loading the library costs nothing until speech is needed

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0))
        if self.sample_rate <= 0:
            raise ProviderError(f"espeak_Initialize failed ({self.sample_rate})")
        self._lib = lib
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._events: list[tuple[int, int, int]] = []
        # Kept on self: ctypes callbacks must outlive every call into the library.
        self._callback = _SynthCallback(self._on_synth)
        lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> _EspeakEngine:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _on_synth(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes.Array[_EspeakEvent]) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            self._events.append((event.type, event.text_position, event.audio_position))
            i += 1
        return 0  # continue synthesis

    def speak(self, text: str, voice_name: str, rate_wpm: int, pitch: int) -> _RawSpeech:
        encoded = text.encode("utf-8")
        with self._lock:
            self._chunks, self._events = [], []
            if self._lib.espeak_SetVoiceByName(voice_name.encode()) != 0:
                raise ProviderError(f"espeak-ng has no voice {voice_name!r}")
            self._lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
            status = self._lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            if status != 0:
                raise ProviderError(f"espeak_Synth failed with status {status}")
            samples = np.frombuffer(b"".join(self._chunks), dtype="<i2").copy()
            events = self._events
        word_starts: list[tuple[int, int]] = []
        seen_positions: set[int] = set()
        for kind, position, audio_ms in events:
            # Some voices (ja reading kanji) report one word several times: keep its first start.
            if kind == _EVENT_WORD and position not in seen_positions:
                seen_positions.add(position)
                word_starts.append((position - 1, audio_ms))
        clause_ends = [audio_ms for kind, _, audio_ms in events if kind == _EVENT_END]
        return _RawSpeech(samples, word_starts, clause_ends)


def _snap_word_starts(text: str, word_starts: Sequence[tuple[int, int]], language: str) -> list[tuple[int, int]]:
    """Clean espeak's (char, ms) word starts: one per position, in text order, never mid-word.

    A start inside a word (espeak reads "2024" as two words, and splits Thai and Japanese at
    its own points) moves to the start of that word: a whitespace token, or a dictionary word
    of a script written without spaces.
    """
    word_start = {}
    for first, last in word_spans(text, language=language):
        for index in range(first, last):
            word_start[index] = first
    earliest: dict[int, int] = {}
    for char, ms in word_starts:
        if char not in word_start:
            continue  # a start on whitespace carries no word
        char = word_start[char]
        earliest[char] = min(ms, earliest.get(char, ms))
    starts: list[tuple[int, int]] = []
    for char in sorted(earliest):
        previous_ms = starts[-1][1] if starts else 0
        starts.append((char, max(previous_ms, earliest[char])))  # keep times monotonic
    return starts


def align_espeak_words(text: str, raw: _RawSpeech, sample_rate: int, language: str = "en") -> list[WordTiming]:
    """Turn espeak word events into timings covering every word of ``text``.

    espeak does not report every word (it merges some, skips punctuation, splits Thai oddly),
    so text between two reported starts belongs to the earlier one; a stretch holding several
    words is shared among them by character count.
    """
    duration_s = len(raw.samples) / sample_rate
    starts = _snap_word_starts(text, raw.word_starts, language)
    if not starts:
        return spread_by_characters(text, word_spans(text, language=language), 0.0, duration_s)
    starts[0] = (0, starts[0][1])  # leading punctuation ("¿") joins the first word
    voiced = _voiced_frames(raw.samples, sample_rate)
    boundaries_ms = sorted({ms for _, ms in starts} | set(raw.clause_ends_ms))
    words: list[WordTiming] = []
    for index, (char_start, start_ms) in enumerate(starts):
        char_end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        start_s = start_ms / 1000
        next_ms = next((b for b in boundaries_ms if b > start_ms), None)
        end_s = min(duration_s, next_ms / 1000) if next_ms is not None else duration_s
        end_s = _trim_end(voiced, start_s, end_s)
        spans = word_spans(text, char_start, char_end, language)
        words.extend(spread_by_characters(text, spans, start_s, end_s))
    return words


@dataclass(frozen=True)
class Reading:
    """What espeak is given to read, and the way back from its positions to the text's."""

    spoken: str
    # (spoken start, original start, same text?) per segment, in order.
    segments: tuple[tuple[int, int, bool], ...] = ()

    def to_original(self, spoken_index: int) -> int:
        if not self.segments:
            return spoken_index
        spoken_start, original_start, same = self.segments[0]
        for segment in self.segments:
            if segment[0] > spoken_index:
                break
            spoken_start, original_start, same = segment
        return original_start + (spoken_index - spoken_start if same else 0)


_kakasi_lock = threading.Lock()
_kakasi: Any = None  # pykakasi ships no type hints


def _japanese_segments(text: str) -> list[tuple[str, str]]:
    """(original, hiragana) segments of Japanese text, from pykakasi's bundled dictionary."""
    global _kakasi
    import pykakasi  # lazily: building its converter takes ~0.5 s

    with _kakasi_lock:
        if _kakasi is None:
            _kakasi = pykakasi.kakasi()
        converter = _kakasi
    return [(part["orig"], part["hira"]) for part in converter.convert(text)]


def reading_for(text: str, espeak_voice: str) -> Reading:
    """espeak-ng's Japanese voice reads kana only (kanji come out as letter names), so kanji
    words are handed to it as hiragana; every other language is read as written."""
    if espeak_voice != "ja" or not has_script(text, "Han"):
        return Reading(text)
    parts = _japanese_segments(text)
    if "".join(original for original, _ in parts) != text:
        return Reading(text)  # a segmentation we can't map back: read as written
    spoken, segments, spoken_at, original_at = [], [], 0, 0
    for original, hiragana in parts:
        has_kanji = has_script(original, "Han") and bool(hiragana)
        said = hiragana if has_kanji else original
        segments.append((spoken_at, original_at, not has_kanji))
        spoken.append(said)
        spoken_at += len(said)
        original_at += len(original)
    return Reading("".join(spoken), tuple(segments))


class EspeakTTS:
    """Offline speech with espeak-ng; ``voice`` picks a narrator from :data:`ESPEAK_NARRATORS`."""

    voices: tuple[str, ...] = tuple(ESPEAK_NARRATORS)
    provider = "espeak-ng"

    def __init__(self, rate_wpm: int = 160, default_voice: str = DEFAULT_ESPEAK_NARRATOR) -> None:
        if default_voice not in ESPEAK_NARRATORS:
            raise ValueError(f"unknown espeak narrator {default_voice!r}; choose from {self.voices}")
        self.rate_wpm = rate_wpm
        self.default_voice = default_voice

    def synthesize(self, text: str, language: str, out_path: Path, voice: str | None = None) -> SpeechResult:
        if not text.strip():
            raise ValueError("cannot synthesize empty text")
        narrator = voice or self.default_voice
        if narrator not in ESPEAK_NARRATORS:
            raise ValueError(f"unknown espeak narrator {narrator!r}; choose from {self.voices}")
        variant, pitch = ESPEAK_NARRATORS[narrator]
        language_voice = espeak_voice_for(language, text)
        engine = _EspeakEngine.get()
        reading = reading_for(text, language_voice)
        raw = engine.speak(reading.spoken, f"{language_voice}+{variant}", self.rate_wpm, pitch)
        raw.word_starts = [(reading.to_original(char), ms) for char, ms in raw.word_starts]
        if len(raw.samples) == 0:
            raise ProviderError(f"espeak-ng produced no audio for {language!r} text")
        write_wav_mono16(out_path, raw.samples, engine.sample_rate)
        words = align_espeak_words(text, raw, engine.sample_rate, language)
        return SpeechResult(out_path, len(raw.samples) / engine.sample_rate, words, engine.sample_rate,
                            provider=self.provider, voice=narrator)


def espeak_voice_for(language: str, text: str = "") -> str:
    """The espeak voice for a request language code (``en``, ``en-US``, ``zh``, ``auto`` …)."""
    code = normalise_tag(language)
    row = find_language(detect_language(text) if code in ("", "auto") else code)
    if row is None:
        raise ValueError(f"no espeak voice for language {language!r}")
    return row.espeak_voice


# -- OpenAI-compatible speech ----------------------------------------------------------------


def decode_wav_mono16(data: bytes) -> tuple[np.ndarray, int]:
    """Decode 16-bit PCM WAV bytes to mono int16 samples.

    Chunks are walked by hand because streaming servers (OpenAI among them) write 0xFFFFFFFF
    as the data size, which :mod:`wave` would trust.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ProviderError("speech endpoint did not return a WAV file")
    offset, channels, sample_rate, bits = 12, 1, 0, 16
    while offset + 8 <= len(data):
        chunk_id, size = data[offset : offset + 4], int.from_bytes(data[offset + 4 : offset + 8], "little")
        body = offset + 8
        if chunk_id == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            sample_rate = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
        elif chunk_id == b"data":
            if bits != 16 or not sample_rate or channels < 1:
                raise ProviderError(f"unsupported WAV format: {bits}-bit, {channels} ch, {sample_rate} Hz")
            pcm = data[body : body + size] if size != 0xFFFFFFFF else data[body:]
            usable = len(pcm) // (2 * channels) * 2 * channels
            frames = np.frombuffer(pcm[:usable], dtype="<i2").reshape(-1, channels)
            return frames.mean(axis=1).round().astype(np.int16), sample_rate
        offset = body + size + (size & 1)
    raise ProviderError("WAV from speech endpoint has no data chunk")


class OpenAISpeechTTS:
    """Speech from an OpenAI-compatible ``/v1/audio/speech`` endpoint.

    The protocol returns audio only, with no word timings, so timings are estimated: the
    voiced part of the audio (leading/trailing silence trimmed) is shared among the words in
    proportion to their character counts. Good enough for subtitle cues, not for karaoke.
    """

    def __init__(self, client: OpenAICompatClient, model: str, voice: str) -> None:
        self.client = client
        self.model = model
        self.voice = voice

    def synthesize(self, text: str, language: str, out_path: Path, voice: str | None = None) -> SpeechResult:
        if not text.strip():
            raise ValueError("cannot synthesize empty text")
        samples, sample_rate = decode_wav_mono16(self.client.speech(text, self.model, voice or self.voice, "wav"))
        if len(samples) == 0:
            raise ProviderError("speech endpoint returned no audio samples")
        write_wav_mono16(out_path, samples, sample_rate)
        duration_s = len(samples) / sample_rate
        start_s, end_s = voiced_range(samples, sample_rate)
        words = spread_by_characters(text, word_spans(text, language=language), start_s, end_s)
        return SpeechResult(out_path, duration_s, words, sample_rate, provider="openai", voice=voice or self.voice)


__all__ = [
    "DEFAULT_ESPEAK_NARRATOR",
    "ESPEAK_NARRATORS",
    "EspeakTTS",
    "OpenAISpeechTTS",
    "SpeechResult",
    "TTSProvider",
    "WordTiming",
    "decode_wav_mono16",
    "espeak_voice_for",
    "spread_by_characters",
    "voiced_range",
    "word_spans",
    "write_wav_mono16",
]
