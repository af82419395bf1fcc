"""Speech providers: real espeak-ng audio measured, and the HTTP provider against a local server."""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from reelforge.providers.offline_tts import OfflineTTS, tts_for
from reelforge.providers.openai_compat import MAX_RETRIES, OpenAICompatClient, ProviderError
from reelforge.providers.tts import (
    EspeakTTS,
    OpenAISpeechTTS,
    SpeechResult,
    decode_wav_mono16,
    espeak_voice_for,
)
from support.fake_openai import FakeOpenAIServer, speech_duration_for

SENTENCES = {
    "en": "Fresh coffee roasted every morning, delivered to your door.",
    "es": "Café fresco tostado cada mañana, entregado en tu puerta.",
    "th": "กาแฟสดคั่วใหม่ทุกเช้า ส่งตรงถึงบ้านคุณ",
    "ja": "毎朝焙煎した新鮮なコーヒーを、ご自宅までお届けします。",
}


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
        return samples, wav.getframerate()


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def median_pitch_hz(samples: np.ndarray, sample_rate: int) -> float:
    """Median autocorrelation pitch over loud 40 ms frames."""
    size, pitches = int(0.04 * sample_rate), []
    low_lag, high_lag = sample_rate // 400, sample_rate // 60
    for start in range(0, len(samples) - size, size):
        frame = samples[start : start + size]
        if rms(frame) < 1000:
            continue
        frame = frame - frame.mean()
        corr = np.correlate(frame, frame, "full")[size - 1 :]
        pitches.append(sample_rate / (low_lag + int(np.argmax(corr[low_lag:high_lag]))))
    return float(np.median(pitches))


def assert_well_formed(result: SpeechResult, text: str, samples: np.ndarray, sample_rate: int) -> None:
    assert result.sample_rate == sample_rate
    assert result.duration_s == pytest.approx(len(samples) / sample_rate, abs=1e-6)
    assert result.words, "no word timings"
    previous_end = 0.0
    for word in result.words:
        assert 0.0 <= word.start_s < word.end_s <= result.duration_s + 1e-6, word
        assert word.start_s >= previous_end - 1e-6, "word timings overlap or go backwards"
        assert text[word.char_start : word.char_end] == word.text
        previous_end = word.end_s
    # Together the words are the whole text, nothing dropped or repeated.
    assert "".join(w.text for w in result.words) == "".join(text.split())


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_espeak_speaks_each_language_audibly_with_word_timings(tmp_path: Path, language: str) -> None:
    text = SENTENCES[language]
    result = EspeakTTS().synthesize(text, language, tmp_path / f"{language}.wav")
    samples, sample_rate = read_wav(result.path)
    assert_well_formed(result, text, samples, sample_rate)
    assert rms(samples) > 1000, "speech is (near) silent"
    assert 1.5 < result.duration_s < 0.4 * len(text) + 2, "implausible duration for the text"
    if language in ("en", "es"):
        assert [w.text for w in result.words] == text.split()
        # Each word's interval holds speech, so subtitle cues line up with the voice.
        for word in result.words:
            spoken = samples[int(word.start_s * sample_rate) : int(word.end_s * sample_rate)]
            assert rms(spoken) > 800, word
    # The last word ends near where the speech ends.
    assert result.words[-1].end_s > 0.8 * result.duration_s


def test_espeak_narrators_sound_different(tmp_path: Path) -> None:
    tts = EspeakTTS()
    text = SENTENCES["en"]
    low = tts.synthesize(text, "en", tmp_path / "m3.wav", voice="m3")
    high = tts.synthesize(text, "en", tmp_path / "f3.wav", voice="f3")
    low_samples, sample_rate = read_wav(low.path)
    high_samples, _ = read_wav(high.path)
    assert median_pitch_hz(high_samples, sample_rate) > 1.5 * median_pitch_hz(low_samples, sample_rate)
    assert len(set(EspeakTTS.voices)) >= 4
    with pytest.raises(ValueError, match="unknown espeak narrator"):
        tts.synthesize(text, "en", tmp_path / "x.wav", voice="nobody")


def test_espeak_is_safe_to_call_from_many_threads(tmp_path: Path) -> None:
    # espeak-ng keeps waveform state between calls, so repeated runs differ by a few samples:
    # compare what interleaving would break (duration, words, loudness), not bytes. Repeated runs
    # were seen 22 ms apart on a loaded host; a broken interleaving mixes sentences (seconds).
    tts = EspeakTTS()
    jobs = [("en", "m3"), ("es", "f3"), ("th", "m1"), ("ja", "f2")] * 2
    expected = {
        (lang, voice): tts.synthesize(SENTENCES[lang], lang, tmp_path / f"seq-{lang}-{voice}.wav", voice)
        for lang, voice in set(jobs)
    }
    results: dict[int, SpeechResult] = {}

    def speak(index: int, lang: str, voice: str) -> None:
        results[index] = tts.synthesize(SENTENCES[lang], lang, tmp_path / f"par-{index}.wav", voice)

    threads = [threading.Thread(target=speak, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, job in enumerate(jobs):
        got, want = results[index], expected[job]
        assert got.duration_s == pytest.approx(want.duration_s, abs=0.05)
        assert [w.text for w in got.words] == [w.text for w in want.words]
        assert rms(read_wav(got.path)[0]) == pytest.approx(rms(read_wav(want.path)[0]), rel=0.05)


def test_language_codes_map_to_espeak_voices() -> None:
    assert espeak_voice_for("zh") == "cmn"
    assert espeak_voice_for("en-US") == "en-us"
    assert espeak_voice_for("auto", SENTENCES["th"]) == "th"
    assert espeak_voice_for("auto", "Hello there") == "en-us"
    with pytest.raises(ValueError):
        espeak_voice_for("xx")


def test_openai_speech_tts_writes_wav_and_estimates_word_timings(tmp_path: Path) -> None:
    text = SENTENCES["en"]
    with FakeOpenAIServer(api_key="k") as server:
        tts = OpenAISpeechTTS(OpenAICompatClient(server.base_url, "k"), model="tts-1", voice="alloy")
        result = tts.synthesize(text, "en", tmp_path / "speech.wav", voice="nova")
        assert server.requests[-1].body["voice"] == "nova"
        assert server.requests[-1].body["response_format"] == "wav"
        server.fail("/v1/audio/speech", status=500, times=MAX_RETRIES + 1)
        with pytest.raises(ProviderError):
            tts.synthesize(text, "en", tmp_path / "failed.wav")
    samples, sample_rate = read_wav(result.path)
    assert sample_rate == 24000
    assert result.duration_s == pytest.approx(speech_duration_for(text), abs=1e-3)
    assert rms(samples) > 1000
    assert_well_formed(result, text, samples, sample_rate)
    assert [w.text for w in result.words] == text.split()
    # Proportional estimate: longer words get longer slots.
    by_text = {w.text: w.end_s - w.start_s for w in result.words}
    assert by_text["delivered"] > by_text["to"]


def test_decode_wav_handles_streaming_headers_and_stereo() -> None:
    frames = np.array([[1000, 3000], [-2000, -4000], [500, 500]], dtype="<i2")
    pcm = frames.tobytes()
    fmt = (2).to_bytes(2, "little") + (16000).to_bytes(4, "little") + (64000).to_bytes(4, "little")
    fmt = (1).to_bytes(2, "little") + fmt + (4).to_bytes(2, "little") + (16).to_bytes(2, "little")
    # Sizes set to 0xFFFFFFFF, as streaming servers write them.
    data = b"RIFF" + b"\xff\xff\xff\xff" + b"WAVE" + b"fmt " + (16).to_bytes(4, "little") + fmt
    data += b"data" + b"\xff\xff\xff\xff" + pcm
    samples, sample_rate = decode_wav_mono16(data)
    assert sample_rate == 16000
    assert samples.tolist() == [2000, -3000, 500]
    with pytest.raises(ProviderError):
        decode_wav_mono16(b"ID3 not a wav file")


def test_tts_for_picks_provider_from_config() -> None:
    assert isinstance(tts_for(SimpleNamespace()), OfflineTTS)
    http = tts_for(SimpleNamespace(openai_base_url="http://127.0.0.1:9", openai_speech_voice="echo"))
    assert isinstance(http, OpenAISpeechTTS)
    assert http.voice == "echo"
