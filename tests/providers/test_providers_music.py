"""The procedural music bed, measured: length, level, musical content, tone and seed behaviour."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest

from reelforge.providers.music import generate_music, render_music, style_for

SAMPLE_RATE = 22050  # half rate keeps the tests quick; the default is 44100


def read_stereo(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 2 and wav.getsampwidth() == 2
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return pcm.reshape(-1, 2).T.astype(np.float64) / 32768, wav.getframerate()


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def chroma(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """Spectral magnitude per pitch class (C..B), 190 Hz–2 kHz: the chord register, above the bass."""
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    freqs = np.fft.rfftfreq(len(mono), 1 / sample_rate)
    band = (freqs > 190) & (freqs < 2000)
    classes = np.round(12 * np.log2(freqs[band] / 440.0) + 69).astype(int) % 12
    return np.bincount(classes, weights=spectrum[band], minlength=12)


@pytest.fixture(scope="module")
def grounded(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, int]:
    path = generate_music(20.3, "grounded", tmp_path_factory.mktemp("music") / "bed.wav", 7, SAMPLE_RATE)
    return read_stereo(path)


def test_duration_is_exact_and_file_is_16bit_stereo(tmp_path: Path) -> None:
    for duration in (3.0, 7.37):
        path = generate_music(duration, "grounded", tmp_path / f"{duration}.wav", sample_rate=SAMPLE_RATE)
        with wave.open(str(path)) as wav:
            assert wav.getframerate() == SAMPLE_RATE
            assert wav.getnframes() == round(duration * SAMPLE_RATE)


def test_level_is_audible_without_clipping_and_fades(grounded: tuple[np.ndarray, int]) -> None:
    audio, sr = grounded
    body = audio[:, 3 * sr : -4 * sr]
    assert rms(body) > 0.05, "bed is too quiet to be heard under speech"
    assert np.abs(audio).max() < 0.75, "peak above −3 dBFS"
    assert np.count_nonzero(np.abs(audio) >= 32767 / 32768) == 0
    assert rms(audio[:, : sr // 20]) < 0.1 * rms(body), "no fade-in"
    assert rms(audio[:, -sr // 20 :]) < 0.1 * rms(body), "no fade-out"
    assert not np.allclose(audio[0], audio[1]), "not stereo"


def test_it_is_music_chords_that_change_and_notes_that_move(grounded: tuple[np.ndarray, int]) -> None:
    audio, sr = grounded
    mono = audio.mean(axis=0)
    bar = int(4 * 60 / 92 * sr)  # grounded plays 92 BPM in 4/4
    bars = [chroma(mono[i * bar + bar // 8 : (i + 1) * bar - bar // 8], sr) for i in range(2, 6)]
    for profile in bars:
        strong = profile > 0.2 * profile.max()
        assert 3 <= int(strong.sum()) <= 8, "a chord has three or more pitch classes, noise has all twelve"
    # Consecutive bars carry different harmony (a progression, not a drone).
    changes = [
        float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b)) for a, b in zip(bars, bars[1:], strict=False)
    ]
    assert min(changes) < 0.9
    # Notes start and stop: the short-term envelope has onsets, unlike a held tone.
    frame = sr // 20
    envelope = np.sqrt((mono[: len(mono) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))
    middle = envelope[len(envelope) // 4 : -len(envelope) // 4]
    assert np.std(np.diff(middle)) / np.mean(middle) > 0.05


def test_tones_differ_and_unknown_tones_fall_back_to_grounded() -> None:
    grounded = render_music(8.0, "grounded", seed=1, sample_rate=SAMPLE_RATE)
    cinematic = render_music(8.0, "cinematic", seed=1, sample_rate=SAMPLE_RATE)
    correlation = np.corrcoef(grounded[0], cinematic[0])[0, 1]
    assert abs(correlation) < 0.5
    assert style_for("Upbeat-Party") == "grounded"
    assert np.array_equal(render_music(8.0, "no-such-tone", seed=1, sample_rate=SAMPLE_RATE), grounded)


def test_same_seed_same_audio_other_seed_other_audio(tmp_path: Path) -> None:
    first = generate_music(6.0, "cinematic", tmp_path / "a.wav", seed=42, sample_rate=SAMPLE_RATE)
    again = generate_music(6.0, "cinematic", tmp_path / "b.wav", seed=42, sample_rate=SAMPLE_RATE)
    other = generate_music(6.0, "cinematic", tmp_path / "c.wav", seed=43, sample_rate=SAMPLE_RATE)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_long_bed_renders_fast() -> None:
    started = time.perf_counter()
    audio = render_music(240.0, "cinematic", seed=3)
    elapsed = time.perf_counter() - started
    assert audio.shape == (2, 240 * 44100)
    assert elapsed < 15, f"240 s bed took {elapsed:.1f} s"


def test_rejects_non_positive_duration(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_music(0, "grounded", tmp_path / "x.wav")
