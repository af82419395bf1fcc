"""reroll-layers (its quote equals its charge; only the chosen layer gets a new picture) and
retranslate_video (re-runs a translation from its source, priced as translate_video)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from reelforge.render.probe import probe_media
from support import ReelforgeServer, submit, wait_status
from support.media import download
from support.quotes import quote_then_charge

SHORT = {"prompt": "A lighthouse keeper's morning", "duration": 6, "language": "en", "enable_subtitles": False}


@pytest.fixture(scope="module")
def base(server: ReelforgeServer) -> tuple[str, dict[str, Any]]:
    key = server.new_key(credits=100_000)
    status = submit(server, key, "/v1/video/text_to_video", SHORT)
    assert status["status"] == "COMPLETED", status
    return key, status


def layers(server: ReelforgeServer, request_id: str) -> list[dict[str, Any]]:
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        (doc,) = db.execute("select document from session_versions where request_id=?", (request_id,)).fetchone()
    return list(json.loads(doc)["layers"])


def balance(c: Any) -> int:
    return int(c.get("/v1/credits").json()["remainingCredits"])


def test_reroll_quote_equals_charge_and_changes_only_that_layer(
    server: ReelforgeServer, base: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    key, source = base
    sid = source["request_id"]
    with server.client(key, timeout=120) as c:
        before = balance(c)
        asked = {"videoSessionId": sid, "layers": "1", "dry_run": True}  # the processor's spellings
        quote = c.post("/v1/video/reroll-layers", json={"input": asked})
        assert quote.status_code == 200, quote.text
        assert quote.headers["x-credits-charged"] == "0" and balance(c) == before
        credit_quote = quote.json()["creditQuote"]
        assert credit_quote["layerIndexes"] == [1] and credit_quote["layerCount"] == 1
        # The processor's formula: the image model's price + the video model's rate x the layer's seconds.
        models = c.get("/v1/video/supported_models").json()
        image = next(m for m in models["IMAGE_MODELS"] if m["value"] == credit_quote["imageModel"])
        video = next(m for m in models["VIDEO_MODELS"] if m["value"] == credit_quote["videoModel"])
        seconds = credit_quote["layers"][0]["durationSeconds"]
        expected = image["basePrice"] + math.ceil(video["pricing"]["credits_per_second"] * seconds)
        assert credit_quote["totalCredits"] == expected > 0

        bad = c.post("/v1/video/reroll-layers", json={"videoSessionId": sid, "layer_indexes": [99]})
        assert bad.status_code == 400 and bad.json()["field"] == "layer_indexes"

        r = c.post("/v1/video/reroll-layers", json={"input": {"videoSessionId": sid, "layer_indexes": [1]}})
        assert r.status_code == 200, r.text
        assert r.json()["creditsCharged"] == credit_quote["totalCredits"]
        assert r.json()["source_session_id"] == sid and r.json()["layer_indexes"] == [1]
        assert balance(c) == before - credit_quote["totalCredits"]
        final = wait_status(c, r.json()["request_id"], timeout=400)
    assert final["status"] == "COMPLETED", final
    assert probe_media(download(final["result_url"], tmp_path / "reroll.mp4"))["video_codec"] == "h264"
    old, new = layers(server, sid), layers(server, final["request_id"])
    assert new[0]["clip"] != old[0]["clip"]  # a new picture for layer 1
    assert [layer["clip"] for layer in new[1:]] == [layer["clip"] for layer in old[1:]]
    assert [layer["narration"] for layer in new] == [layer["narration"] for layer in old]


def test_retranslate_reruns_translation_from_its_source(
    server: ReelforgeServer, base: tuple[str, dict[str, Any]]
) -> None:
    key, source = base
    price = math.ceil(2 * source["duration"])  # video-api.txt: translation is 2 credits per second
    translated = submit(
        server, key, "/v1/video/translate_video", {"videoSessionId": source["request_id"], "language": "es"}
    )
    assert translated["status"] == "COMPLETED", translated
    with server.client(key, timeout=120) as c:
        missing = c.post("/v1/video/retranslate_video", json={"videoSessionId": source["request_id"]})
        assert missing.status_code == 400 and missing.json()["field"] == "language"
        quoted, charged, answer = quote_then_charge(c, "/v1/video/retranslate_video",
                                                    {"input": {"videoSessionId": translated["request_id"]}})
        assert quoted == charged == price and answer["source_session_id"] == source["request_id"]
        final = wait_status(c, answer["request_id"], timeout=400)
    assert final["status"] == "COMPLETED", final
    assert final["result_language"] == "es" and final["result_url"] != translated["result_url"]
    assert layers(server, final["request_id"])  # a session document of its own
