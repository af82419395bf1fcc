"""v2 step mode: a request held before image-to-video until process_next — a durable wait that
survives kill -9 of the server (its only process) — charged once; a held request cancelled is refunded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from support import ReelforgeServer, wait_for, wait_status
from support.media import product_photo

# 6 s is one scene (a scene per started 6 s): the least a step video can render.
SHORT = {"prompt": "A quiet harbour at dawn", "duration": 6, "language": "en", "enable_subtitles": False}


def _step(c: httpx.Client, rid: str) -> dict[str, Any]:
    r = c.get(f"/v2/video/step/{rid}/status")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _held(c: httpx.Client, rid: str) -> bool:
    return bool(_step(c, rid)["waiting_for_process_next"])


def test_two_step_waits_across_kill9_then_completes_charged_once(tmp_path: Path) -> None:
    srv = ReelforgeServer(tmp_path / "rf").start()
    try:
        key = srv.new_key(credits=10_000)
        with srv.client(key, timeout=60) as c:
            # As samsar-js sends { stepMode: 'two_step' }: both at the top level and inside input.
            fields = {"auto_render_full_video": False, "manual_step_stages": ["ai_video_generation"]}
            r = c.post("/v2/video/step/text_to_video", json={**fields, "input": {**SHORT, **fields}})
            assert r.status_code == 200, r.text
            rid, charged = r.json()["request_id"], r.json()["creditsCharged"]
            assert r.json()["step"]["manual_step_stages"] == ["ai_video_generation"]
            wait_for(lambda: _held(c, rid), timeout=300, interval=0.3)
            held = _step(c, rid)
            assert held["can_process_next"] and held["next_step"] == "ai_video_generation"
            assert held["status"] == "PENDING" and held["expressGenerationStatus"]["ai_video_generation"] == "PAUSED"
            assert held["expressGenerationStatus"]["video_generation"] == "PENDING"
            detailed = c.get(f"/v2/video/step/{rid}/status_detailed").json()
            stills = [layer["image"]["url"] for layer in detailed["session"]["layers"]]
            assert stills and all(httpx.get(u).status_code == 200 for u in stills)  # reviewable while held

        srv.kill9()  # the only process: API, engine and workers
        srv.start()
        with srv.client(key, timeout=60) as c:
            wait_for(lambda: _held(c, rid), timeout=60)
            nxt = c.post(f"/v2/video/step/{rid}/process_next", json={})
            assert nxt.status_code == 200, nxt.text
            assert nxt.json()["waiting_for_process_next"] is False
            again = c.post(f"/v2/video/step/{rid}/process_next", json={})
            assert again.status_code in (200, 400)  # a repeat is refused or harmless, never a second run
            final = wait_status(c, rid, timeout=400, path="/v2/status")
            assert final["status"] == "COMPLETED", final
            assert final["step"]["status"] == "COMPLETED" and final["waiting_for_process_next"] is False
            assert httpx.get(final["result_url"]).status_code == 200
            entries = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
            assert [e["kind"] for e in entries if e["kind"] == "charge"] == ["charge"]
            assert -sum(e["amount"] for e in entries) <= charged
    finally:
        srv.stop()


def test_default_step_runs_straight_through_and_held_cancel_refunds(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        one = c.post("/v2/video/step/image_to_video", json={
            "auto_render_full_video": True, "manual_step_stages": [],
            "input": {"image_url": product_photo(2, (480, 360)), "language": "en", "enable_subtitles": False},
        })
        assert one.status_code == 200, one.text
        assert one.json()["step"]["manual_step_stages"] == []

        held = c.post("/v2/text_to_video", json={"input": {**SHORT, "manual_step_stages": ["ai_video_generation"]}})
        assert held.status_code == 200, held.text
        hid, charged = held.json()["request_id"], held.json()["creditsCharged"]
        wait_for(lambda: _held(c, hid), timeout=300, interval=0.3)
        assert c.post("/v2/cancel_render", json={"input": {"videoSessionId": hid}}).status_code == 200
        assert _step(c, hid)["status"] == "CANCELLED"
        refused = c.post(f"/v2/video/step/{hid}/process_next", json={})
        assert refused.status_code == 400
        entries = c.get("/v1/credits/ledger", params={"request_id": hid}).json()["entries"]
        assert [(e["kind"], e["amount"]) for e in entries] == [("charge", -charged), ("refund", charged)]

        final = wait_status(c, one.json()["request_id"], timeout=400, path="/v2/status")
        assert final["status"] == "COMPLETED" and final["step"]["waiting_for_process_next"] is False
