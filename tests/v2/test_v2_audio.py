"""The media gateway's audio routes: text_to_speech as a job with a WAV that decodes, the voices the
offline TTS really has, the audio status route; also through samsar-js's audio methods."""

from __future__ import annotations

import io
import json
import os
import subprocess
import wave
from pathlib import Path

import httpx

from compat.test_compat_samsar_js import node_or_skip
from support import ReelforgeServer, wait_status

HERE = Path(__file__).parent


def _wav_seconds(url: str) -> float:
    got = httpx.get(url, timeout=30)
    assert got.status_code == 200
    with wave.open(io.BytesIO(got.content)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_text_to_speech_voices_and_status(server: ReelforgeServer) -> None:
    key = server.new_key(credits=50_000)
    with server.client(key, timeout=60) as c:
        catalog = c.get("/v2/external/audio/voices").json()
        assert set(catalog["providerKeys"]) == {"piper", "espeak-ng"}
        assert catalog["providers"]["piper"]["voices"][0]["languages"] == ["en"]
        french = c.get("/v2/external/audio/voices", params={"languageCode": "fr-FR"}).json()
        assert french["providerKeys"] == ["espeak-ng"] and french["providers"]["espeak-ng"]["count"] >= 1
        narrator = french["providers"]["espeak-ng"]["voices"][0]["voice_id"]

        ids = {}
        for name, body in {
            "en": {"text": "Reelforge speaks this sentence for the gateway test.", "language": "en"},
            "fr": {"text": "Bonjour, ceci est une phrase de test.", "language": "fr", "voice": narrator},
        }.items():
            r = c.post("/v2/external/audio/text_to_speech", json={"input": body})
            assert r.status_code == 200, r.text
            assert r.json()["sessionID"] == r.json()["request_id"] and r.json()["creditsCharged"] == 10
            ids[name] = r.json()["request_id"]
        for name, rid in ids.items():
            done = wait_status(c, rid, timeout=120, path="/v2/external/audio/status")
            assert done["status"] == "COMPLETED", done
            assert done["type"] == "audio" and done["route_type"] == "text_to_speech"
            assert _wav_seconds(done["audio_url"]) > 0.5 and done["duration"] > 0.5
            assert len(done["words"]) >= 5, name
        assert c.get("/v1/credits").json()["remainingCredits"] == 50_000 - 20

        for bad, field in (
            ({"text": ""}, "text"),
            ({"text": "hello", "voice": "nobody"}, "voice"),
            ({"text": "hello", "language": "xx"}, "language"),
            ({"text": "hello", "language": "en", "voice": narrator}, "voice"),  # English is spoken by Piper
        ):
            refused = c.post("/v2/external/audio/text_to_speech", json={"input": bad})
            assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
        video = c.post("/v2/text_to_video", json={"input": {"prompt": "A harbour", "duration": 60}}).json()
        c.post("/v2/cancel_render", json={"input": {"videoSessionId": video["request_id"]}})
        not_audio = c.get("/v2/external/audio/status", params={"request_id": video["request_id"]})
        assert not_audio.status_code == 400


SDK_SCRIPT = """
import { SamsarClient } from '../compat/node_modules/samsar-js/dist/index.js';
const platform = new SamsarClient({ apiKey: process.env.KEY, baseUrl: process.env.BASE });
const voices = await platform.listV2ExternalAudioVoices({ languageCode: 'en' });
const created = await platform.requestV2ExternalAudioRoute(
  'text_to_speech', { input: { text: 'Hello from the SDK test.' } });
let status;
for (let i = 0; i < 240; i++) {
  status = await platform.getV2ExternalAudioStatus(created.data.request_id);
  if (status.data.status !== 'PENDING') break;
  await new Promise((r) => setTimeout(r, 500));
}
console.log(JSON.stringify({ providers: voices.data.providerKeys, status: status.data }));
"""


def test_samsar_js_audio_methods(server: ReelforgeServer) -> None:
    node = node_or_skip()
    env = {**os.environ, "KEY": server.new_key(credits=100), "BASE": server.base_url + "/v1"}
    run = subprocess.run([node, "--input-type=module", "-e", SDK_SCRIPT], env=env, cwd=HERE, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert "piper" in out["providers"]
    assert out["status"]["status"] == "COMPLETED" and _wav_seconds(out["status"]["result_url"]) > 0.5
