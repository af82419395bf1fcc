"""Process roles: an API-only process plus workers with their own queues and concurrency."""

from __future__ import annotations

import os
import socket
import threading
import time

from sqlalchemy import select
from typer.testing import CliRunner

from cluster.cluster_support import Cluster, final_status, wait_until
from reelforge import cli
from reelforge.db.database import Database
from reelforge.db.models import ExecutorHeartbeat
from reelforge.pipeline.cluster import ClusterMonitor, default_executor_id
from reelforge.settings import Settings
from support.media import data_url, png_bytes


def test_worker_rejects_unknown_queue_and_bad_concurrency() -> None:
    runner = CliRunner()
    for args, message in (
        (["--queues", "cpu,bogus"], "unknown queue"),
        (["--queues", "cpu", "--concurrency", "cpu=zero"], "bad concurrency"),
        (["--queues", "cpu", "--concurrency", "jobs=4"], "bad concurrency"),
    ):
        out = runner.invoke(cli.app, ["worker", *args])
        assert out.exit_code == 2 and message in out.output, out.output


def test_each_worker_keeps_its_own_concurrency(cluster: Cluster) -> None:
    """DBOS stores one worker_concurrency per queue for the whole cluster; ours is per process.
    The worker started last registers cpu=3, yet the first still runs one job at a time."""
    slow = {"REELFORGE_FAULT_STAGE_DELAY_S": "2.5"}
    one = cluster.add_worker("cpu,io", env=slow, args=["--concurrency", "cpu=1"])
    one_id = cluster.executor_of(one)
    three = cluster.add_worker("cpu,io", env=slow, args=["--concurrency", "cpu=3"])
    three_id = cluster.executor_of(three)

    key = cluster.new_key(credits=5000)
    peak: dict[str, int] = {}
    stop = threading.Event()

    def sample() -> None:  # the most stages each executor ran at the same moment
        while not stop.is_set():
            rows = cluster.sql(
                "select executor_id, count(*) from stage_runs where status = 'IN_PROGRESS' group by executor_id"
            )
            for executor, n in rows:
                peak[executor] = max(peak.get(executor, 0), n)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with cluster.api.client(key) as c:
        ids = [
            c.post("/v1/image/enhance", json={"image_url": data_url(png_bytes(64, 48, seed=i))}).json()[
                "request_id"
            ]
            for i in range(8)
        ]
        finals = [final_status(c, rid, timeout=90) for rid in ids]
    stop.set()
    sampler.join()
    assert {f["status"] for f in finals} == {"COMPLETED"}
    assert peak.get(one_id) == 1, peak
    assert peak.get(three_id) in (2, 3), peak
    ran_on = dict(cluster.sql("select executor_id, count(*) from stage_runs group by executor_id"))
    assert ran_on[one_id] >= 1 and ran_on[three_id] >= ran_on[one_id], ran_on

    beats = dict(cluster.sql("select executor_id, queues from executor_heartbeats"))
    worker_queues = ["cpu", "held_jobs", "io", "jobs"]  # held_jobs: requests held for process_next (v2 steps)
    assert sorted(beats[one_id]) == worker_queues and sorted(beats[three_id]) == worker_queues
    api_id = next(e for e in beats if e not in (one_id, three_id))
    assert beats[api_id] == [] and api_id.endswith(f"-{cluster.api.proc.pid}")  # type: ignore[union-attr]
    wait_until(lambda: not cluster.sql("select 1 from requests where status = 'PENDING'"), timeout=5)


def test_default_executor_ids() -> None:
    sqlite, pg = Settings(), Settings(database_url="postgresql://u@h/db")
    assert default_executor_id(sqlite, embedded=True) == "local"  # restart resumes its own work
    own = f"{socket.gethostname()}-{os.getpid()}"
    assert default_executor_id(sqlite, embedded=False) == own
    assert default_executor_id(pg, embedded=True) == own
    assert default_executor_id(Settings(executor_id="render-0"), embedded=True) == "render-0"


def test_only_one_live_process_recovers_a_dead_executor(pg_url: str) -> None:
    """Eight monitors race for one silent executor: the lease lets exactly one recover it, the
    row is forgotten once nothing is left, and a live executor is never touched."""
    db = Database(pg_url)
    db.migrate()
    try:
        with db.session() as s:
            s.add(ExecutorHeartbeat(executor_id="dead", queues=["render"], started_at=0.0, last_seen=0.0))
        recovered: list[tuple[str, str]] = []
        lock = threading.Lock()

        def monitor(name: str) -> ClusterMonitor:
            def recover(dead_id: str) -> int:
                with lock:
                    recovered.append((name, dead_id))
                time.sleep(0.2)  # recovery takes a moment: the others must not start meanwhile
                return 0

            return ClusterMonitor(db, name, ["cpu"], interval_s=0.1, dead_after_s=2.0, recover=recover)

        monitors = [monitor(f"live-{i}") for i in range(8)]
        for m in monitors:
            m.beat()
        barrier = threading.Barrier(len(monitors))

        def race(m: ClusterMonitor) -> None:
            barrier.wait()
            m.sweep()

        threads = [threading.Thread(target=race, args=(m,)) for m in monitors]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(recovered) == 1 and recovered[0][1] == "dead", recovered
        with db.session() as s:
            left = set(s.execute(select(ExecutorHeartbeat.executor_id)).scalars())
        assert left == {m.executor_id for m in monitors}  # "dead" forgotten, the live ones kept
    finally:
        db.engine.dispose()
