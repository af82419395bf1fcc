"""cancel_render while ffmpeg runs: CANCELLED, the ffmpeg process is gone, the charge refunded. A 30 s video
renders for seconds (900 frames), long enough to be caught mid-render by a 0.3 s poll."""

from __future__ import annotations

import subprocess
import time

from support import ReelforgeServer, wait_for


def ffmpeg_running_for(request_id: str) -> bool:
    out = subprocess.run(["pgrep", "-f", f"ffmpeg.*{request_id}"], capture_output=True, text=True)
    return bool(out.stdout.strip())


def test_cancel_mid_render_kills_ffmpeg_and_refunds(server: ReelforgeServer) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key) as c:
        r = c.post(
            "/v1/video/text_to_video",
            json={"input": {"prompt": "A long walk through a quiet forest", "duration": 30, "language": "en"}},
        )
        assert r.status_code == 200, r.text
        rid, charged = r.json()["request_id"], r.json()["creditsCharged"]
        latest = c.get("/v1/video/fetch_latest_version", params={"session_id": rid})
        assert latest.status_code == 202 and latest.json()["status"] == "PENDING"

        def rendering() -> bool:
            stages = c.get("/v1/status", params={"request_id": rid}).json().get("expressGenerationStatus", {})
            return stages.get("video_generation") == "IN_PROGRESS" and ffmpeg_running_for(rid)

        wait_for(rendering, timeout=240, interval=0.3)
        cancelled = c.post("/v1/video/cancel_render", json={"input": {"videoSessionId": rid}})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
        wait_for(lambda: not ffmpeg_running_for(rid), timeout=15)
        time.sleep(1.0)
        assert c.get("/v1/status", params={"request_id": rid}).json()["status"] == "CANCELLED"
        latest = c.get("/v1/video/fetch_latest_version", params={"session_id": rid})
        assert latest.status_code == 200 and latest.json()["status"] == "CANCELLED"
        ledger = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        assert [(e["kind"], e["amount"]) for e in ledger] == [("charge", -charged), ("refund", charged)]
        assert c.get("/v1/credits").json()["remainingCredits"] == 10_000
        again = c.post("/v1/video/cancel_render", json={"input": {"videoSessionId": rid}})
        assert again.status_code == 200  # cancelling twice is harmless
