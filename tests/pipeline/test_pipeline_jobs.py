"""Job lifecycle through the durable engine: failure refunds, webhooks, crash recovery."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelforge.standard_webhooks import verify
from support import FixtureHTTP, ReelforgeServer, ReelforgeWorker, wait_for, wait_status

SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZWxmb3JnZQ=="


def _body(png: bytes, **extra: str) -> dict[str, str]:
    return {"image_url": "data:image/png;base64," + base64.b64encode(png).decode(), **extra}


@pytest.fixture
def failing_server(tmp_path: Path, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path / "fail",
        {
            "REELFORGE_FAULT_FAIL_STAGES": '["image_enhance"]',
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{fixture_http.port}"]',
        },
    )
    srv.start()
    yield srv
    srv.stop()


def test_failed_job_is_refunded_and_webhook_retried(
    failing_server: ReelforgeServer, fixture_http: FixtureHTTP, sample_png: bytes
) -> None:
    calls = {"n": 0}

    def receiver(_h: object, _b: bytes) -> tuple[int, dict[str, str], bytes]:
        calls["n"] += 1
        return (500 if calls["n"] <= 2 else 200), {}, b"ok"

    fixture_http.routes["/hook-fail"] = receiver
    key = failing_server.new_key(credits=200)
    with failing_server.client(key) as c:
        r = c.post("/v1/image/enhance", json=_body(sample_png, webhookUrl=fixture_http.base_url + "/hook-fail"))
        assert r.status_code == 200 and r.json()["remainingCredits"] == 155
        rid = r.json()["request_id"]
        final = wait_status(c, rid)
        assert final["status"] == "FAILED"
        assert "Injected failure" in final["expressGenerationError"] and final["message"]
        assert c.get("/v1/credits").json()["remainingCredits"] == 200
        kinds = [
            (e["kind"], e["amount"]) for e in c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        ]
        assert kinds == [("charge", -45), ("refund", 45)]

    wait_for(lambda: calls["n"] >= 3, timeout=30)
    deliveries = [(h, b) for p, h, b in fixture_http.received if p == "/hook-fail"]
    assert len(deliveries) == 3
    ids = {h["webhook-id"] for h, _ in deliveries}
    assert len(ids) == 1
    for headers, body in deliveries:
        assert verify(SECRET, body, headers)
        assert json.loads(body)["status"] == "FAILED" and json.loads(body)["request_id"] == rid

    def attempts() -> list[tuple[int, int]]:
        with sqlite3.connect(failing_server.data_dir / "reelforge.db") as db:
            return db.execute(
                "select attempt, status_code from webhook_attempts where request_id=? order by attempt", (rid,)
            ).fetchall()

    # The receiver counts the third call before the server has read its answer and written the attempt.
    wait_for(lambda: len(attempts()) >= 3, timeout=10)
    assert attempts() == [(1, 500), (2, 500), (3, 200)]


def test_completion_webhook_is_signed(server: ReelforgeServer, fixture_http: FixtureHTTP, sample_png: bytes) -> None:
    fixture_http.routes["/hook-ok"] = lambda _h, _b: (204, {}, b"")
    key = server.new_key(credits=100)
    with server.client(key) as c:
        rid = c.post("/v1/image/enhance", json=_body(sample_png, webhookUrl=fixture_http.base_url + "/hook-ok")).json()[
            "request_id"
        ]
        final = wait_status(c, rid)
    wait_for(lambda: any(p == "/hook-ok" for p, _, _ in fixture_http.received), timeout=20)
    ((headers, body),) = [(h, b) for p, h, b in fixture_http.received if p == "/hook-ok"]
    assert verify(SECRET, body, headers)
    assert json.loads(body) == final


def test_worker_killed_mid_job_recovers_and_charges_once(tmp_path: Path, sample_png: bytes) -> None:
    """API and worker as separate processes; kill -9 the worker inside the stage, restart it."""
    api = ReelforgeServer(tmp_path / "split", workers=False).start()
    slow = ReelforgeWorker(api, executor_id="worker-a", extra_env={"REELFORGE_FAULT_STAGE_DELAY_S": "30"}).start()
    try:
        key = api.new_key(credits=100)
        with api.client(key) as c:
            rid = c.post("/v1/image/enhance", json=_body(sample_png)).json()["request_id"]
            wait_for(
                lambda: (
                    c.get("/v1/status", params={"request_id": rid})
                    .json()
                    .get("expressGenerationStatus", {})
                    .get("image_enhance")
                    == "IN_PROGRESS"
                ),
                timeout=60,
            )
            slow.kill9()
            assert c.get("/v1/status", params={"request_id": rid}).json()["status"] == "PENDING"
            restarted = ReelforgeWorker(api, executor_id="worker-a").start()
            try:
                final = wait_status(c, rid, timeout=90)
            finally:
                restarted.stop()
            assert final["status"] == "COMPLETED", final
            entries = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
            assert [e["kind"] for e in entries] == ["charge"]
            assert c.get("/v1/credits").json()["remainingCredits"] == 55
        with sqlite3.connect(api.data_dir / "reelforge.db") as db:
            runs = db.execute("select status from stage_runs where request_id=? order by id", (rid,)).fetchall()
        assert runs == [("IN_PROGRESS",), ("COMPLETED",)]  # the killed attempt, then the one that finished
    finally:
        slow.stop()
        api.stop()
