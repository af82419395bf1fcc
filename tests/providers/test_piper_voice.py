"""The English default voice is Piper's neural voice, intelligible, with real word timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from asr import recovered_share, transcribe
from reelforge.providers.offline_tts import OfflineTTS
from reelforge.providers.tts import SpeechResult

Heard = list[tuple[str, float, float]]
Spoken = tuple[Path, SpeechResult]

NARRATION = (
    "Meet the linen travel shirt, woven from breathable European flax. "
    "It packs flat, dries overnight and never needs an iron. "
    "Order yours today and get free shipping on your first purchase."
)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Spoken:
    out = tmp_path_factory.mktemp("piper") / "narration.wav"
    return out, OfflineTTS().synthesize(NARRATION, "en", out)


@pytest.fixture(scope="module")
def heard(spoken: Spoken, tmp_path_factory: pytest.TempPathFactory) -> Heard:
    return transcribe(spoken[0], tmp_path_factory.getbasetemp() / "asr-cache")


def test_english_is_spoken_by_piper(spoken: Spoken) -> None:
    result = spoken[1]
    assert result.provider == "piper"
    assert result.voice == "en_US-joe-medium"


def test_other_languages_fall_back_to_espeak(tmp_path: Path) -> None:
    result = OfflineTTS().synthesize("Café fresco tostado cada mañana.", "es", tmp_path / "es.wav")
    assert result.provider == "espeak-ng"




def test_transcribed_back_recovers_the_words(heard: Heard) -> None:
    text = " ".join(word for word, _, _ in heard)
    share = recovered_share(NARRATION, text)
    assert share >= 0.9, f"recovered {share:.0%}: {text!r}"


def test_word_timings_follow_the_audio(spoken: Spoken, heard: Heard) -> None:
    """Piper's per-phoneme durations give word starts within 0.25 s of the recogniser's (median)."""
    words = spoken[1].words
    assert [w.text for w in words] == NARRATION.split()
    assert all(a.start_s <= a.end_s <= b.start_s + 1e-6 for a, b in zip(words, words[1:], strict=False))
    heard_starts = {}
    for word, start, _ in heard:
        heard_starts.setdefault(word.strip(".,!?").lower(), start)
    gaps = [abs(w.start_s - heard_starts[w.text.strip(".,").lower()]) for w in words
            if w.text.strip(".,").lower() in heard_starts]
    gaps.sort()
    assert len(gaps) >= len(words) // 2
    assert gaps[len(gaps) // 2] < 0.25, gaps


def test_faster_speech_is_shorter(tmp_path: Path, spoken: Spoken) -> None:
    quick = OfflineTTS().at_speed(1.4).synthesize(NARRATION, "en", tmp_path / "quick.wav")
    assert quick.duration_s < spoken[1].duration_s * 0.85


def test_the_voice_session_does_not_spin_between_operators(spoken: Spoken) -> None:
    """The voice's onnxruntime session is built here (not by PiperVoice.load, which takes no
    options) with spinning off, and still carries the alignment output the word timings need."""
    from reelforge.providers.onnx_sessions import NO_SPINNING
    from reelforge.providers.piper_tts import _LoadedVoices

    voice = next(iter(_LoadedVoices._voices.values()))
    options = voice.session.get_session_options()
    for key, value in NO_SPINNING.items():
        assert options.get_session_config_entry(key) == value, key
    assert len(voice.session.get_outputs()) == 2  # audio, and the per-phoneme sample counts
    assert spoken[1].words and all(w.end_s > w.start_s for w in spoken[1].words)
