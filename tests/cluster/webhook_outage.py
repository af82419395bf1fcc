"""The webhook-receiver outage drill: a job completes while its receiver is down, then it comes up.

"Down" is the real thing: nothing listens on the receiver's port (connection refused) until the
outage is over. The drill has its own cluster (API + worker) on its own database of the shared
test PostgreSQL server (no test restarts that one: the test that restarts PostgreSQL starts its own).

How long the receiver stays down is a parameter (``Drill``). CI runs ``SHORT_DRILL``: seconds of
outage with the retry delay capped at 2 s, so the doubling backoff reaches its cap and keeps
retrying there several times. ``LONG_DRILL`` is the outage of minutes with a 10 s cap; it is
opt-in (``pytest -m long``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cluster.cluster_support import Cluster, wait_until
from cluster.pg_cluster import PostgresCluster
from support import free_port
from support.media import data_url, png_bytes

Delivery = tuple[dict[str, str], bytes]
INITIAL_BACKOFF_S = 0.5


@dataclass(frozen=True)
class Drill:
    # From the first (failed) delivery attempt until the receiver listens again: counted from the
    # attempt, not the submission, so a slow job start cannot eat the retries the drill checks.
    outage_s: float
    max_backoff_s: float  # the cap of the doubling delay between delivery attempts

    def expected_gaps(self, attempts: int) -> list[float]:
        """The delays between consecutive attempts: doubling from INITIAL_BACKOFF_S, capped."""
        return [min(INITIAL_BACKOFF_S * 2**k, self.max_backoff_s) for k in range(attempts - 1)]


SHORT_DRILL = Drill(outage_s=12.0, max_backoff_s=2.0)
LONG_DRILL = Drill(outage_s=180.0, max_backoff_s=10.0)


class Receiver:
    """A webhook endpoint on a given port that answers 200 and keeps what it received."""

    def __init__(self, port: int):
        received: list[Delivery] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookOutage:
    def __init__(self, root: Path, pg: PostgresCluster, drill: Drill):
        self.root, self.pg, self.drill = root, pg, drill
        self.port = free_port()
        self.cluster: Cluster | None = None
        self.receiver: Receiver | None = None
        self.request_id = ""
        self.submitted_at = 0.0
        self.outage_s = 0.0  # measured: first failed attempt to receiver up

    def start(self) -> WebhookOutage:
        env = {
            "REELFORGE_WEBHOOK_INITIAL_BACKOFF_S": str(INITIAL_BACKOFF_S),
            "REELFORGE_WEBHOOK_MAX_BACKOFF_S": str(self.drill.max_backoff_s),
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{self.port}"]',
        }
        self.cluster = Cluster(self.root / "cluster", self.pg.create_database("webhook"), env)
        self.cluster.start_api()
        self.cluster.add_worker("cpu,io")
        with self.cluster.api.client(self.cluster.new_key(credits=500)) as c:
            r = c.post(
                "/v1/image/enhance",
                json={"image_url": data_url(png_bytes(64, 48)), "webhookUrl": f"http://127.0.0.1:{self.port}/hook"},
            )
            assert r.status_code == 200, r.text
        self.request_id = r.json()["request_id"]
        self.submitted_at = time.time()
        return self

    def attempt_rows(self) -> list[tuple[str, int | None, str | None, datetime]]:
        assert self.cluster is not None
        rows = self.cluster.sql(
            "select event_id, status_code, error, created_at from webhook_attempts"
            " where request_id = %s order by attempt",
            self.request_id,
        )
        return [(str(e), c, err, at) for e, c, err, at in rows]

    def attempts(self) -> list[tuple[str, int | None, str | None]]:
        return [(event, code, err) for event, code, err, _ in self.attempt_rows()]

    def gaps(self) -> list[float]:
        """Seconds between consecutive delivery attempts, as recorded by the worker."""
        times = [at for *_, at in self.attempt_rows()]
        return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]

    def wait_failed_attempts(self, n: int, timeout: float) -> list[tuple[int | None, str | None]]:
        wait_until(lambda: len(self.attempts()) >= n, timeout=timeout, what=f"{n} webhook attempts")
        return [(code, err) for _, code, err in self.attempts()]

    def finish(self, timeout: float = 60.0) -> Delivery:
        """Wait out the rest of the outage, bring the receiver up, and return the delivery."""
        wait_until(lambda: bool(self.attempts()), timeout=120, what="first webhook attempt")
        down_since = self.attempt_rows()[0][3].replace(tzinfo=UTC).timestamp()  # stored as naive UTC
        time.sleep(max(0.0, down_since + self.drill.outage_s - time.time()))
        self.receiver = Receiver(self.port)
        self.outage_s = time.time() - down_since
        wait_until(lambda: bool(self.receiver and self.receiver.received), timeout=timeout, what="webhook delivered")
        time.sleep(1.0)  # a second delivery of the same event would show up here
        assert len(self.receiver.received) == 1, self.receiver.received
        return self.receiver.received[0]

    def stop(self) -> None:
        if self.receiver:
            self.receiver.close()
        if self.cluster:
            self.cluster.stop()


class Drills:
    """Drills started once each, on first use, and stopped together."""

    def __init__(self, root: Path, pg: PostgresCluster):
        self.root, self.pg = root, pg
        self.started: dict[Drill, WebhookOutage] = {}

    def get(self, drill: Drill) -> WebhookOutage:
        if drill not in self.started:
            self.started[drill] = WebhookOutage(self.root / f"drill-{drill.outage_s:g}s", self.pg, drill)
            self.started[drill].start()
        return self.started[drill]

    def stop(self) -> None:
        for outage in self.started.values():
            outage.stop()
