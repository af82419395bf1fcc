"""A real video render followed through the SDK's event stream, dropped mid-render and resumed with
``Last-Event-ID``; the webhook event filter and metadata; ``Prefer: wait``."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from reelforge.client import Client
from reelforge.client.events import ProgressEvent
from support import FixtureHTTP, ReelforgeServer, wait_for
from support.media import product_photo

RENDER = "video_generation"


def test_render_stream_resumes_without_gaps_or_repeats(server: ReelforgeServer, fixture_http: FixtureHTTP) -> None:
    deliveries: list[dict[str, Any]] = []
    lock = threading.Lock()

    def receiver(_headers: object, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with lock:
            deliveries.append(json.loads(body))
        return 200, {}, b"ok"

    fixture_http.routes["/progress-hook"] = receiver
    key = server.new_key(credits=10_000)
    with Client(key, base_url=server.base_url + "/v1", timeout=60) as client, server.client(key, timeout=90) as c:
        accepted = c.post("/v1/video/image_list_to_video", json={
            "image_urls": [product_photo(2), product_photo(3)], "language": "en",
            "webhookUrl": fixture_http.base_url + "/progress-hook",
            "webhook_events_filter": ["start", "output", "completed"], "metadata": {"order": 42},
        })
        assert accepted.status_code == 200, accepted.text
        rid = accepted.json()["request_id"]

        first: list[ProgressEvent] = []
        for event in client.stream(rid):  # leaving the loop closes the connection: the drop
            first.append(event)
            if event.type == "progress" and event.stage == RENDER:
                break
        assert first and first[-1].stage == RENDER, [e.type for e in first]
        rest = list(client.stream(rid, last_event_id=first[-1].id))

        # A status read waiting for the end answers at once now, and holds until the end otherwise.
        started = time.monotonic()
        final = c.get("/v1/status", params={"request_id": rid}, headers={"Prefer": "wait=30"}).json()
        assert final["status"] == "COMPLETED" and time.monotonic() - started < 5

    events = first + rest
    assert [e.id for e in events] == list(range(1, len(events) + 1))  # complete, in order, no repeats
    percents = [e.percent for e in events]
    assert percents == sorted(percents) and percents[-1] == 100
    assert events[0].type == "accepted" and events[-1].type == "completed"
    render = [e.stage_percent for e in events if e.type == "progress" and e.stage == RENDER]
    assert len(render) >= 2 and render == sorted(render), render  # frames encoded, reported as they go
    finished = {e.stage: e for e in events if e.type == "stage_finished"}
    assert finished[RENDER].preview_url and finished[RENDER].preview_url.endswith(".mp4")
    assert any(e.eta_s is not None for e in events if e.type in ("stage_started", "progress"))

    wait_for(lambda: any(d.get("status") == "COMPLETED" for d in deliveries), timeout=30)
    with lock:
        kinds = [d.get("event", {}).get("type", "final") for d in deliveries]
        assert all(d["metadata"] == {"order": 42} for d in deliveries)
    assert kinds.count("stage_started") == 1  # "start": the first stage only
    assert "stage_finished" in kinds and "progress" not in kinds  # "output" yes, "logs" not asked for
    assert all(d["event"]["preview_url"] for d in deliveries if d.get("event", {}).get("type") == "stage_finished")


def test_prefer_wait_holds_until_the_end(server: ReelforgeServer, sample_png: bytes) -> None:
    import base64

    key = server.new_key(credits=1000)
    with server.client(key, timeout=90) as c:
        rid = c.post("/v1/image/enhance", json={
            "image_url": "data:image/png;base64," + base64.b64encode(sample_png).decode()}).json()["request_id"]
        body = c.get("/v1/image/status", params={"request_id": rid}, headers={"Prefer": "wait=60"}).json()
        assert body["status"] == "COMPLETED"
        stranger = server.client(server.new_key(credits=1))
        assert stranger.get("/v1/status", params={"request_id": rid}, headers={"Prefer": "wait=5"}).status_code == 404
