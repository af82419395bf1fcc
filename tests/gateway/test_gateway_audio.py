"""The media gateway's audio jobs through HTTP with real workers: music, sound effects, transcript
alignment (of the offline TTS's own speech, and of other speech through the recogniser), the generic
``POST /v2/external/audio``, and the 400s naming the field."""

from __future__ import annotations

import io
import wave

import httpx
import pytest

from reelforge.render.ffmpeg import run_ffmpeg
from support import FixtureHTTP, ReelforgeServer, wait_status
from support.quotes import quote_then_charge

STATUS = "/v2/external/audio/status"
SENTENCE = "The harbour lights come on as the fishing boats return before the evening storm."


def wav_seconds(url: str) -> float:
    got = httpx.get(url, timeout=30)
    assert got.status_code == 200
    with wave.open(io.BytesIO(got.content)) as wav:
        return wav.getnframes() / wav.getframerate()


def submit_and_wait(c: httpx.Client, path: str, body: dict) -> dict:
    r = c.post(path, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["sessionID"] == r.json()["request_id"]
    done = wait_status(c, r.json()["request_id"], timeout=180, path=STATUS)
    assert done["status"] == "COMPLETED", done.get("message", done)
    return done


def test_music_and_sound_effects(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        music = submit_and_wait(c, "/v2/external/audio/text_to_music",
                                {"input": {"prompt": "An epic cinematic trailer", "model": "Lyria 3", "duration": 6}})
        assert music["route_type"] == "text_to_music" and music["provider"] == "LOCAL (offline default for LYRIA3)"
        assert "cinematic" in music["method"] and abs(wav_seconds(music["audio_url"]) - 6) < 0.05

        effect = submit_and_wait(c, "/v2/external/audio/sound_effect",
                                 {"input": {"prompt": "Heavy rain and distant thunder", "duration": 3}})
        assert effect["sound_effects"] == ["rain", "thunder"] and "keywords" in effect["method"]
        assert abs(wav_seconds(effect["result_url"]) - 3) < 0.05

        # The generic route dispatches on route_type (text_to_music when omitted).
        generic = c.post("/v2/external/audio", json={"route_type": "sound_effects",
                                                     "input": {"prompt": "birds at dawn", "duration": 1}})
        assert generic.status_code == 200, generic.text
        done = wait_status(c, generic.json()["request_id"], timeout=120, path=STATUS)
        assert done["status"] == "COMPLETED" and done["sound_effects"] == ["birds"]
        assert wav_seconds(done["audio_url"]) > 0.5

        for path, body, field in (
            ("/v2/external/audio/text_to_music", {"prompt": "calm", "model": "NOPE"}, "model"),
            ("/v2/external/audio/text_to_music", {"prompt": "calm", "duration": 900}, "duration"),
            ("/v2/external/audio/sound_effect", {"duration": 2}, "prompt"),
            ("/v2/external/audio", {"route_type": "karaoke", "input": {"prompt": "x"}}, "route_type"),
            ("/v2/external/audio", {"input": {"duration": 5}}, "prompt"),
            ("/v2/external/audio/transcript_alignment", {"text": "hello"}, "audio_url"),
        ):
            refused = c.post(path, json={"input": body} if "input" not in body else body)
            assert refused.status_code == 400 and refused.json()["field"] == field, (path, refused.text)


@pytest.fixture(scope="module")
def speech(server: ReelforgeServer) -> tuple[str, dict]:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        r = c.post("/v2/external/audio/text_to_speech", json={"input": {"text": SENTENCE, "language": "en"}})
        assert r.status_code == 200, r.text
        done = wait_status(c, r.json()["request_id"], timeout=120, path=STATUS)
    assert done["status"] == "COMPLETED", done.get("message", done)
    return key, done


def test_alignment_of_the_offline_tts_own_speech(
    server: ReelforgeServer, fixture_http: FixtureHTTP, speech: tuple[str, dict], tmp_path
) -> None:
    """Re-encoded to MP3 with 250 ms of silence in front: still recognised as the TTS's own speech,
    and every word start lands within 100 ms of the TTS's word events (shifted by the silence)."""
    key, tts = speech
    source = tmp_path / "speech.wav"
    source.write_bytes(httpx.get(tts["audio_url"], timeout=30).content)
    shifted = tmp_path / "shifted.mp3"
    run_ffmpeg(["-i", str(source), "-af", "adelay=250", "-c:a", "libmp3lame", "-b:a", "128k", str(shifted)])
    url = fixture_http.serve_bytes("/gateway/shifted.mp3", shifted.read_bytes(), "audio/mpeg")
    with server.client(key, timeout=60) as c:
        body = {"input": {"audio_url": url, "transcript": SENTENCE, "language": "en"}}
        quoted, charged, answer = quote_then_charge(c, "/v2/external/audio/transcript_alignment", body)
        assert quoted == charged > 0  # priced from the audio's measured length
        done = wait_status(c, answer["request_id"], timeout=180, path=STATUS)
        assert done["status"] == "COMPLETED", done.get("message", done)
        assert done["method"] == "tts_word_events" and "piper" in done["provider"]
        expected = [w["start"] + 0.25 for w in tts["words"]]
        got = [w["start"] for w in done["words"]]
        assert len(got) == len(expected) == len(SENTENCE.split())
        assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 0.1, (got, expected)
        assert httpx.get(done["result_url"], timeout=30).json()["words"] == done["words"]


def test_alignment_of_other_speech_through_the_recogniser(
    server: ReelforgeServer, fixture_http: FixtureHTTP, speech: tuple[str, dict], tmp_path
) -> None:
    """The same speech 10 % faster is no longer the TTS's own: Whisper base aligns it, and the word
    starts follow the TTS's events (scaled by the tempo) to within 150 ms at the median."""
    pytest.importorskip("faster_whisper")
    key, tts = speech
    source = tmp_path / "speech.wav"
    source.write_bytes(httpx.get(tts["audio_url"], timeout=30).content)
    faster = tmp_path / "faster.wav"
    run_ffmpeg(["-i", str(source), "-af", "atempo=1.1", str(faster)])
    url = fixture_http.serve_bytes("/gateway/faster.wav", faster.read_bytes(), "audio/wav")
    with server.client(key, timeout=60) as c:
        done = submit_and_wait(c, "/v2/external/audio/transcript_alignment",
                               {"input": {"audio_url": url, "text": SENTENCE, "language": "en"}})
    assert done["method"] == "asr_whisper_base" and "whisper" in done["provider"].lower()
    assert sum(w["heard"] for w in done["words"]) >= 0.8 * len(done["words"])
    errors = sorted(abs(w["start"] - e["start"] / 1.1) for w, e in zip(done["words"], tts["words"], strict=True))
    assert errors[len(errors) // 2] < 0.15, errors
