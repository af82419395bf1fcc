"""Session operations on a real rendered session, checked by decoding the results."""

from __future__ import annotations

import json
import math
import re
import sqlite3
from pathlib import Path

import pytest

from reelforge.render.probe import measure_loudness, probe_media
from support import ReelforgeServer, submit, wait_status
from support.media import decode_qr, decode_qr_in, download, frame_at, ocr_text, product_photo

CTA = "https://shop.example.com/first"
NEW_CTA = "https://shop.example.com/second"
FOOTER = "https://shop.example.com/foot"


@pytest.fixture(scope="module")
def base_session(server: ReelforgeServer) -> tuple[str, dict]:
    key = server.new_key(credits=100_000)
    status = submit(
        server,
        key,
        "/v1/video/image_list_to_video",
        {
            "image_urls": [product_photo(0), product_photo(1)],
            "metadata": {"product": "linen travel shirt"},
            "language": "en",
            "generate_outro_image": True,
            "cta_url": CTA,
            "add_footer_animation": True,
            "footer_metadata": {"url": FOOTER, "text": "Shop"},
        },
    )
    assert status["status"] == "COMPLETED", status
    return key, status


def stages_run(server: ReelforgeServer, request_id: str) -> dict[str, str]:
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        rows = db.execute("select stage, status from stage_runs where request_id=? order by id", (request_id,))
        return dict(rows.fetchall())


def render_reuse(server: ReelforgeServer, request_id: str) -> dict:
    """What the render stage re-used from earlier renders (spans, sound), from its execution record."""
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        (output,) = db.execute("select output from stage_runs where request_id=? and stage='video_generation'",
                               (request_id,)).fetchone()
    return dict(json.loads(output)["render"])


def narration(server: ReelforgeServer, request_id: str) -> str:
    """The first scene's narration as stored in the session document the server rendered."""
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        (doc,) = db.execute("select document from session_versions where request_id=?", (request_id,)).fetchone()
    return str(json.loads(doc)["layers"][0]["narration"])


def scene_lengths(server: ReelforgeServer, request_id: str) -> list[float]:
    """Each layer's length in the session document the server rendered."""
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        (doc,) = db.execute("select document from session_versions where request_id=?", (request_id,)).fetchone()
    return [layer["end"] - layer["start"] for layer in json.loads(doc)["layers"]]


def run_op(server: ReelforgeServer, key: str, route: str, body: dict) -> dict:
    with server.client(key, timeout=120) as c:
        r = c.post(route, json={"input": body})
        assert r.status_code == 200, r.text
        final = wait_status(c, r.json()["request_id"], timeout=400)
        assert final["status"] == "COMPLETED", final
        return final


def test_update_outro_renders_new_qr_and_reruns_only_frames_and_render(server, base_session, tmp_path: Path) -> None:
    key, base = base_session
    done = run_op(
        server,
        key,
        "/v1/video/update_outro_image",
        {"videoSessionId": base["request_id"], "cta_url": NEW_CTA, "generate_outro_image": True},
    )
    assert set(stages_run(server, done["request_id"])) == {"frame_generation", "video_generation"}
    # Only the outro's spans (its fade-in and the card) were encoded; scenes and sound were re-used.
    reuse = render_reuse(server, done["request_id"])
    assert reuse["spans"] - reuse["spans_reused"] == 2 and reuse["sound_reused"] is True
    video = download(done["result_url"], tmp_path / "o.mp4")
    assert decode_qr(frame_at(video, probe_media(video)["duration"] - 0.6, tmp_path / "f.png")) == NEW_CTA


def test_remove_footer_and_remove_subtitles(server, base_session, tmp_path: Path) -> None:
    key, base = base_session
    nofoot = run_op(
        server, key, "/v1/video/update_footer_image", {"videoSessionId": base["request_id"], "remove_footer": True}
    )
    # Nothing to draw: a removal only re-renders.
    assert set(stages_run(server, nofoot["request_id"])) == {"video_generation"}
    reuse = render_reuse(server, nofoot["request_id"])  # the outro card after its fade-in, and the sound
    assert reuse["spans_reused"] == 1 and reuse["sound_reused"] is True
    frame = frame_at(download(nofoot["result_url"], tmp_path / "nf.mp4"), 2.0, tmp_path / "nf.png")
    assert decode_qr_in(frame, 0.75, 1.0) == ""

    nosub = run_op(server, key, "/v1/video/remove_subtitles", {"videoSessionId": base["request_id"]})
    assert set(stages_run(server, nosub["request_id"])) == {"video_generation"}
    assert nosub["has_subtitles"] is False
    plain = frame_at(download(nosub["result_url"], tmp_path / "ns.mp4"), 1.0, tmp_path / "ns.png")
    assert decode_qr_in(plain, 0.75, 1.0) == FOOTER
    h = plain.shape[0]
    assert ocr_text(plain[: int(h * 0.75)]).strip() == ""

    back = run_op(server, key, "/v1/video/add_subtitles", {"videoSessionId": nosub["request_id"]})
    assert back["has_subtitles"] is True
    with_subs = frame_at(download(back["result_url"], tmp_path / "as.mp4"), 1.0, tmp_path / "as.png")
    assert ocr_text(with_subs[: int(h * 0.75)]).strip() != ""


def test_clone_translate_and_join(server, base_session, tmp_path: Path) -> None:
    key, base = base_session
    clone = run_op(server, key, "/v1/video/clone", {"videoSessionId": base["request_id"]})
    assert set(stages_run(server, clone["request_id"])) == {"video_generation"}
    assert clone["result_url"] != base["result_url"]
    assert clone["duration"] == pytest.approx(base["duration"], abs=1 / 30)

    with server.client(key) as c:  # the footer text "Shop" was written by the client: no silent non-translation
        refused = c.post(
            "/v1/video/translate_video", json={"input": {"videoSessionId": base["request_id"], "language": "es"}}
        )
        assert refused.status_code == 400 and refused.json()["field"] == "translate_footer"
    es = run_op(
        server,
        key,
        "/v1/video/translate_video",
        {"videoSessionId": base["request_id"], "language": "es", "translate_footer": False},
    )
    assert es["result_language"] == "es"
    video = download(es["result_url"], tmp_path / "es.mp4")
    source = download(base["result_url"], tmp_path / "en.mp4")
    # A translation never shortens the pictures: every scene keeps at least its source length.
    assert all(new >= old - 1e-3 for new, old in zip(scene_lengths(server, es["request_id"]),
                                                     scene_lengths(server, base["request_id"]), strict=True))
    assert es["duration"] >= base["duration"] - 1 / 30
    # The render stage's own quality report comes with every render's result, and says what an
    # independent measurement of the file says.
    for render, path in ((base, source), (es, video)):
        quality = render["quality"]
        assert quality["black_frames"] == [] and quality["frozen_scenes"] == [], quality
        lufs, peak = measure_loudness(path)
        assert quality["integrated_lufs"] == pytest.approx(lufs, abs=0.05), quality
        assert quality["true_peak_dbtp"] == pytest.approx(peak, abs=0.05), quality
        assert quality["outro_qr"] == CTA, quality
    assert probe_media(video)["duration"] >= probe_media(source)["duration"] - 0.05
    assert decode_qr(frame_at(video, es["duration"] - 0.6, tmp_path / "eso.png")) == CTA
    english, spanish = narration(server, base["request_id"]), narration(server, es["request_id"])
    only_spanish = {w for w in re.findall(r"[a-záéíóúñ]{5,}", spanish.lower())} - set(english.lower().split())
    letters = ocr_text(frame_at(video, 1.0, tmp_path / "es1.png")).replace(" ", "")
    assert any(w in letters for w in only_spanish), (letters, only_spanish)

    with server.client(key, timeout=120) as c:  # join is billed 2 credits/sec of the sources together
        r = c.post("/v1/video/join_videos", json={"input": {"session_ids": [base["request_id"], es["request_id"]]}})
        assert r.status_code == 200, r.text
        assert r.json()["creditsCharged"] == math.ceil(2 * (base["duration"] + es["duration"]))
        joined = wait_status(c, r.json()["request_id"], timeout=400)
    assert joined["status"] == "COMPLETED", joined
    assert joined["duration"] == pytest.approx(base["duration"] + es["duration"], abs=2 / 30 + 0.05)
    with server.client(key) as c:
        listed = {s["session_id"]: s for s in c.get("/v1/video/list_completed_video_sessions").json()}
        assert listed[es["request_id"]]["result_language"] == "es"
        assert (
            c.get("/v1/video/fetch_latest_version", params={"session_id": es["request_id"]}).json()["result_url"]
            == es["result_url"]
        )


def test_op_errors(server: ReelforgeServer, base_session) -> None:
    key, base = base_session
    other = server.new_key()
    with server.client(other) as c:
        assert c.post("/v1/video/clone", json={"input": {"videoSessionId": base["request_id"]}}).status_code == 404
        assert c.get("/v1/video/fetch_latest_version", params={"session_id": base["request_id"]}).status_code == 403
    with server.client(key) as c:
        r = c.post(
            "/v1/video/translate_video", json={"input": {"videoSessionId": base["request_id"], "language": "xx"}}
        )
        assert r.status_code == 400 and r.json()["field"] == "language"
        r = c.post("/v1/video/join_videos", json={"input": {"session_ids": [base["request_id"]]}})
        assert r.status_code == 400 and r.json()["field"] == "session_ids"
        r = c.post("/v1/video/join_videos", json={"input": {"session_ids": [base["request_id"], "vid_missing"]}})
        assert r.status_code == 404
        assert c.get("/v1/video/fetch_latest_version", params={"session_id": "vid_nope"}).status_code == 404


def test_add_outro_billing_and_cancel_refund(server: ReelforgeServer, base_session, tmp_path: Path) -> None:
    key, base = base_session
    with server.client(key, timeout=120) as c:
        before = c.get("/v1/credits").json()["remainingCredits"]
        r = c.post(
            "/v1/video/add_outro_image",
            json={"input": {"videoSessionId": base["request_id"], "outro_image_url": product_photo(3)}},
        )
        assert r.status_code == 200 and r.json()["creditsCharged"] == 50, r.text
        done = wait_status(c, r.json()["request_id"], timeout=400)
        assert done["status"] == "COMPLETED" and done["duration"] == pytest.approx(base["duration"], abs=0.05)
        assert c.get("/v1/credits").json()["remainingCredits"] == before - 50

        # translate is billed 2 credits/sec of the source; cancelling it refunds the charge.
        r = c.post(
            "/v1/video/translate_video",
            json={"input": {"videoSessionId": base["request_id"], "language": "fr", "translate_footer": False}},
        )
        assert r.status_code == 200 and r.json()["creditsCharged"] == math.ceil(2 * base["duration"])
        rid = r.json()["request_id"]
        assert c.post("/v1/video/cancel_render", json={"input": {"videoSessionId": rid}}).json()["cancelled"]
        assert wait_status(c, rid)["status"] == "CANCELLED"
        assert c.get("/v1/credits").json()["remainingCredits"] == before - 50
        kinds = [e["kind"] for e in c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]]
        assert kinds == ["charge", "refund"]

        free = c.post("/v1/video/remove_subtitles", json={"input": {"videoSessionId": base["request_id"]}})
        assert free.json()["creditsCharged"] == 0
        poor = server.new_key(credits=10)
    with server.client(poor) as c:
        assert c.post("/v1/video/clone", json={"input": {"videoSessionId": base["request_id"]}}).status_code == 404
