"""A reelforge cluster for tests: one PostgreSQL database, an API process, worker processes.

Every process is a real ``reelforge serve --no-workers`` / ``reelforge worker`` subprocess
sharing one data directory (the blob store) and one PostgreSQL database. Heartbeats are fast
here (0.5 s, dead after 3 s) so dead-worker recovery happens within seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from support import ReelforgeServer, ReelforgeWorker
from support.servers import stop_groups

FAST_RECOVERY_ENV = {
    "REELFORGE_HEARTBEAT_INTERVAL_S": "0.5",
    "REELFORGE_EXECUTOR_DEAD_AFTER_S": "3",
}


@dataclass
class Cluster:
    data_dir: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: list[ReelforgeWorker] = field(default_factory=list)
    api: ReelforgeServer = field(init=False)

    def __post_init__(self) -> None:
        env = {"REELFORGE_DATABASE_URL": self.database_url, **FAST_RECOVERY_ENV, **self.extra_env}
        self.api = ReelforgeServer(self.data_dir, env, workers=False)

    def start_api(self) -> ReelforgeServer:
        return self.api.start()

    def add_worker(
        self,
        queues: str = "cpu,render,io,gpu",
        *,
        executor_id: str | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> ReelforgeWorker:
        worker = ReelforgeWorker(self.api, queues, executor_id, env or {}, extra_args=args or [])
        self.workers.append(worker.start())
        return worker

    def new_key(self, credits: int = 5000) -> str:
        return self.api.new_key(credits=credits)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            return list(conn.execute(query, params).fetchall())

    def executor_of(self, process: ReelforgeServer | ReelforgeWorker) -> str:
        """The executor id a process picked for itself, read from its heartbeat."""
        assert process.proc is not None
        pid = process.proc.pid
        wait_until(lambda: bool(self.sql("select 1 from executor_heartbeats where pid = %s", pid)), what="heartbeat")
        return str(self.sql("select executor_id from executor_heartbeats where pid = %s", pid)[0][0])

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.data_dir.glob("*.log"))
        )

    def stop(self) -> None:
        stop_groups([worker.proc for worker in self.workers] + [self.api.proc])


def wait_until(predicate: Any, timeout: float = 60.0, interval: float = 0.2, what: str = "condition") -> None:
    """Like support.wait_for, but errors while polling (a restarting server) count as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, psycopg.OperationalError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout}s")


def status_of(client: httpx.Client, request_id: str) -> dict[str, Any]:
    r = client.get("/v1/status", params={"request_id": request_id})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def final_status(client: httpx.Client, request_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll until the request leaves PENDING, riding out moments when the API is unreachable."""
    result: dict[str, Any] = {}

    def done() -> bool:
        result.update(status_of(client, request_id))
        return result["status"] != "PENDING"

    wait_until(done, timeout=timeout, interval=0.3, what=f"{request_id} finished")
    return result


def stage_is(client: httpx.Client, request_id: str, stage: str, status: str) -> bool:
    stages = status_of(client, request_id).get("expressGenerationStatus", {})
    return bool(stages.get(stage) == status)


@contextlib.contextmanager
def running(cluster: Cluster) -> Iterator[Cluster]:
    try:
        yield cluster
    except BaseException:
        print(cluster.logs())  # shown by pytest on failure
        raise
    finally:
        cluster.stop()
