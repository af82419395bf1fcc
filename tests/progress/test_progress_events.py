"""Progress events through a real server: SSE resume after a drop, queue positions, quotes."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx

from support import ReelforgeServer, wait_status


def _sse(client: httpx.Client, rid: str, last: int | None = None,
         stop_after: int | None = None) -> list[dict[str, Any]]:
    headers = {"Last-Event-ID": str(last)} if last is not None else {}
    got: list[dict[str, Any]] = []
    with client.stream("GET", f"/v1/requests/{rid}/events", headers=headers, timeout=120) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("data:"):
                got.append(json.loads(line[5:]))
                if stop_after is not None and len(got) >= stop_after:
                    break  # drop the connection mid-job
    return got


def test_sse_resume_and_queue_positions(tmp_path: Path, sample_png: bytes) -> None:
    # One job at a time on the queue: the fourth waits behind three and moves up as each starts.
    # Each stage is held 3 s, so the four submissions land while the first still runs, even on a
    # loaded host (at 1.5 s two jobs had finished before the fourth was queued).
    concurrency = '{"cpu": 1, "render": 1, "io": 8, "gpu": 1}'
    srv = ReelforgeServer(tmp_path / "srv", {"REELFORGE_QUEUE_CONCURRENCY": concurrency,
                                            "REELFORGE_FAULT_STAGE_DELAY_S": "3"}).start()
    try:
        key = srv.new_key(credits=2000)
        body = {"image_url": "data:image/png;base64," + base64.b64encode(sample_png).decode()}
        with srv.client(key) as c:
            quote = c.post("/v1/image/enhance", json={**body, "quote_only": True}).json()
            assert quote["status"] == "quote" and quote["creditsCharged"] == 0
            ids = [c.post("/v1/image/enhance", json=body).json()]
            # The others once the first one's stage runs: on a server a second old, the job queue's worker
            # could start after all four arrived and run their request workflows at once, so the fourth's
            # stage might be enqueued first (CI saw its only position be 0).
            deadline = time.monotonic() + 60
            while "IN_PROGRESS" not in c.get("/v1/status", params={"request_id": ids[0]["request_id"]}).json().get(
                    "expressGenerationStatus", {}).values():
                assert time.monotonic() < deadline, "the first job's stage never started"
                time.sleep(0.05)
            ids += [c.post("/v1/image/enhance", json=body).json() for _ in range(3)]
            assert ids[0]["creditsCharged"] == quote["credits"]
            last = ids[-1]["request_id"]
            first = _sse(c, last, stop_after=3)
            rest = _sse(c, last, last=first[-1]["id"])
            events = first + rest
            assert [e["id"] for e in events] == list(range(1, len(events) + 1))
            percents = [e["percent"] for e in events]
            assert percents == sorted(percents) and percents[-1] == 100
            assert events[-1]["type"] == "completed"
            positions = [e["queue_position"] for e in events if e["type"] == "queued" and e.get("stage")]
            assert len(positions) >= 2 and positions == sorted(positions, reverse=True), positions
            assert wait_status(c, last)["status"] == "COMPLETED"
            other = srv.new_key(credits=10)
            assert srv.client(other).get(f"/v1/requests/{last}/events").status_code == 404
            assert c.get("/v1/pricing").json()["routes"]["image_enhance"]
    finally:
        srv.stop()
