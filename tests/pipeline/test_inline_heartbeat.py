"""Requests run inside their API process (a streamed chat: accepted with ``enqueue=False``) heartbeat
in their row: the submission recoverer leaves one that outlives its grace to that process, and runs
one whose process was killed on a worker. Stage runs are counted from ``stage_runs``: an inline run
records none, a worker's run records one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from reelforge.db.database import Database
from reelforge.db.models import Request, StageRun
from support import ReelforgeServer, wait_status

GRACE_S = 0.6
ENV = {"REELFORGE_INLINE_GRACE_S": str(GRACE_S), "REELFORGE_SUBMISSION_RECOVERY_INTERVAL_S": "0.2"}
BODY = {
    "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper and the sea."}],
    "max_tokens": 160,
    "temperature": 0,
    "stream": True,
}


def _scalar(server: ReelforgeServer, query: Any) -> int:
    db = Database(f"sqlite:///{(server.data_dir / 'reelforge.db').resolve()}")
    try:
        with db.session() as s:
            return int(s.scalar(query) or 0)
    finally:
        db.engine.dispose()


def stage_runs(server: ReelforgeServer, request_id: str) -> int:
    return _scalar(server, select(func.count()).select_from(StageRun).where(StageRun.request_id == request_id))


def charged(server: ReelforgeServer, request_id: str) -> int:
    return _scalar(server, select(Request.credits_charged).where(Request.id == request_id))


def data_lines(resp: httpx.Response) -> Iterator[str]:
    return (line for line in resp.iter_lines() if line.startswith("data: "))


def request_id(line: str) -> str:
    return str(json.loads(line[6:])["id"]).removeprefix("chatcmpl-")


def test_a_live_inline_run_is_left_alone_and_a_dead_one_is_recovered(tmp_path: Path) -> None:
    server = ReelforgeServer(tmp_path / "s", ENV).start()
    key = server.new_key(credits=5000)
    try:
        with server.client(key, timeout=120) as c:
            started = time.monotonic()
            # Long enough to outlive the grace several times even on a fast host (~90 tokens/s).
            with c.stream("POST", "/v2/external/chat/completions", json={**BODY, "max_tokens": 400}) as resp:
                assert resp.status_code == 200
                lines = data_lines(resp)
                rid = request_id(next(lines))
                rest = list(lines)
            took = time.monotonic() - started
            assert rest[-1] == "data: [DONE]"
            assert took > 3 * GRACE_S, took  # outlived the grace many recoverer passes over
            time.sleep(3 * GRACE_S)  # and more passes after it finished
            done = wait_status(c, rid)
            assert done["status"] == "COMPLETED" and stage_runs(server, rid) == 0  # never re-run on a worker
            assert 0 < charged(server, rid) == 5000 - c.get("/v1/credits").json()["credits"]  # settled once

            # Killed mid-stream: the heartbeat stops, and the restarted server's recoverer runs it.
            with c.stream("POST", "/v2/external/chat/completions", json=BODY) as resp:
                dead = request_id(next(data_lines(resp)))
                server.kill9()
        server.start()
        with server.client(key, timeout=120) as c:
            assert wait_status(c, dead, timeout=180)["status"] == "COMPLETED"
        assert stage_runs(server, dead) == 1
    finally:
        server.stop()
