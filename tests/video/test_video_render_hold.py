"""pause_render / resume_render: a generation held before its final render (the engine's durable
hold, as v2 step mode: it survives kill -9), released by resume; a paused one cancelled is refunded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from reelforge.render.probe import probe_media
from support import ReelforgeServer, wait_for, wait_status
from support.media import download

SHORT = {"prompt": "A quiet harbour at dawn", "duration": 6, "language": "en", "enable_subtitles": False}
RENDER = "video_generation"


def _status(c: httpx.Client, rid: str) -> dict[str, Any]:
    body: dict[str, Any] = c.get("/v1/status", params={"request_id": rid}).json()
    return body


def _held_before_render(c: httpx.Client, rid: str) -> bool:
    """Every stage but the render finished, the render still held."""
    stages = _status(c, rid).get("expressGenerationStatus", {})
    return stages.get(RENDER) == "PAUSED" and all(v == "COMPLETED" for k, v in stages.items() if k != RENDER)


def _start(c: httpx.Client) -> tuple[str, int]:
    r = c.post("/v1/video/text_to_video", json={"input": SHORT})
    assert r.status_code == 200, r.text
    return r.json()["request_id"], r.json()["creditsCharged"]


def test_pause_holds_across_kill9_then_resume_completes(tmp_path: Path) -> None:
    server = ReelforgeServer(tmp_path / "rf").start()
    try:
        _pause_kill9_resume(server, tmp_path)
    finally:
        server.stop()


def _pause_kill9_resume(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        rid, _charged = _start(c)
        paused = c.post("/v1/video/pause_render", json={"input": {"videoSessionId": rid}})
        assert paused.status_code == 200, paused.text
        assert paused.json()["status"] == "PAUSED" and paused.json()["paused"] is True
        status = _status(c, rid)
        assert status["status"] == "PENDING" and status["expressGenerationPaused"] is True
        assert status["expressGenerationStatus"][RENDER] == "PAUSED"
        again = c.post("/v1/video/pause_render", json={"session_id": rid})
        assert again.status_code == 200  # pausing a paused render is harmless

        wait_for(lambda: _held_before_render(c, rid), timeout=300, interval=0.3)
        assert _status(c, rid)["status"] == "PENDING"  # held, not rendering

    server.kill9()  # the only process: API, engine and workers; the hold is a durable wait
    server.start()
    with server.client(key, timeout=60) as c:
        wait_for(lambda: _held_before_render(c, rid), timeout=60)
        resumed = c.post("/v1/video/resume_render", json={"input": {"videoSessionId": rid}})
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["status"] == "PENDING" and resumed.json()["paused"] is False
        final = wait_status(c, rid, timeout=400)
        assert final["status"] == "COMPLETED", final
        info = probe_media(download(final["result_url"], tmp_path / "out.mp4"))
        assert info["video_codec"] == "h264" and info["duration"] > 3
        late = c.post("/v1/video/pause_render", json={"input": {"videoSessionId": rid}})
        assert late.status_code == 409 and late.json()["field"] == "videoSessionId"


def test_paused_render_cancelled_is_refunded(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        assert c.post("/v1/video/resume_render", json={"videoSessionId": "vid_nope"}).status_code == 404
        rid, charged = _start(c)
        assert c.post("/v1/video/resume_render", json={"videoSessionId": rid}).status_code == 409  # not paused
        assert c.post("/v1/video/pause_render", json={"videoSessionId": rid}).status_code == 200
        cancelled = c.post("/v1/video/cancel_render", json={"input": {"videoSessionId": rid}})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
        assert _status(c, rid)["status"] == "CANCELLED"
        assert c.post("/v1/video/resume_render", json={"videoSessionId": rid}).status_code == 409
        entries = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        assert [(e["kind"], e["amount"]) for e in entries] == [("charge", -charged), ("refund", charged)]
        assert c.get("/v1/credits").json()["remainingCredits"] == 10_000
