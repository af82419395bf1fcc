"""The webhook-receiver outage drill: a job completes while its receiver is down for minutes.

Runs on its own PostgreSQL server and cluster so it can go on in the background while other
tests kill processes and restart databases. "Down" is the real thing: nothing listens on the
receiver's port (connection refused) until the outage is over.
"""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cluster.cluster_support import Cluster, data_url_png, wait_until
from cluster.pg_cluster import PostgresCluster
from conftest import png_bytes
from support import free_port

Delivery = tuple[dict[str, str], bytes]

WEBHOOK_SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZWxmb3JnZQ=="  # what support.ReelforgeServer configures
# "Several minutes" for real; REELFORGE_TEST_WEBHOOK_OUTAGE_S shortens or lengthens the drill.
WEBHOOK_OUTAGE_S = float(os.environ.get("REELFORGE_TEST_WEBHOOK_OUTAGE_S", "180"))


class Receiver:
    """A webhook endpoint on a fixed port that answers 200 and keeps what it received."""

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
    def __init__(self, root: Path, pg_bin: Path, outage_s: float):
        self.root, self.pg_bin, self.planned_outage_s = root, pg_bin, outage_s
        self.port = free_port()
        self.pg: PostgresCluster | None = None
        self.cluster: Cluster | None = None
        self.receiver: Receiver | None = None
        self.request_id = ""
        self.submitted_at = 0.0
        self.outage_s = 0.0

    def start(self) -> None:
        self.pg = PostgresCluster(self.pg_bin).init().start()
        env = {
            "REELFORGE_WEBHOOK_INITIAL_BACKOFF_S": "0.5",
            "REELFORGE_WEBHOOK_MAX_BACKOFF_S": "10",  # doubling from 0.5 s, then every 10 s
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{self.port}"]',
        }
        self.cluster = Cluster(self.root / "cluster", self.pg.create_database(), env)
        self.cluster.start_api()
        self.cluster.add_worker("cpu,io")
        with self.cluster.api.client(self.cluster.new_key(credits=500)) as c:
            r = c.post(
                "/v1/image/enhance",
                json={"image_url": data_url_png(png_bytes(64, 48)), "webhookUrl": f"http://127.0.0.1:{self.port}/hook"},
            )
            assert r.status_code == 200, r.text
        self.request_id = r.json()["request_id"]
        self.submitted_at = time.time()

    def attempts(self) -> list[tuple[str, int | None, str | None]]:
        assert self.cluster is not None
        rows = self.cluster.sql(
            "select event_id, status_code, error from webhook_attempts where request_id = %s order by attempt",
            self.request_id,
        )
        return [(str(e), c, err) for e, c, err in rows]

    def wait_failed_attempts(self, n: int, timeout: float) -> list[tuple[int | None, str | None]]:
        wait_until(lambda: len(self.attempts()) >= n, timeout=timeout, what=f"{n} webhook attempts")
        return [(code, err) for _, code, err in self.attempts()]

    def finish(self, timeout: float = 60.0) -> Delivery:
        """Wait out the rest of the outage, bring the receiver up, and return the delivery."""
        time.sleep(max(0.0, self.submitted_at + self.planned_outage_s - time.time()))
        self.receiver = Receiver(self.port)
        self.outage_s = time.time() - self.submitted_at
        wait_until(lambda: bool(self.receiver and self.receiver.received), timeout=timeout, what="webhook delivered")
        time.sleep(1.0)  # a second delivery of the same event would show up here
        assert len(self.receiver.received) == 1, self.receiver.received
        return self.receiver.received[0]

    def stop(self) -> None:
        if self.receiver:
            self.receiver.close()
        if self.cluster:
            self.cluster.stop()
        if self.pg:
            self.pg.destroy()
