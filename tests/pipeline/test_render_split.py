"""Split only when it pays: a render hands its chunks to the render queue only while another render
worker is alive to take some (heartbeats); alone, or beside workers of other queues or silent ones,
it encodes them itself. (One chunk to encode is never handed out: tests/render/test_render_chunks.py;
the cluster run with two render workers: tests/cluster/test_cluster_render_chunks.py.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from reelforge.db.models import ExecutorHeartbeat
from reelforge.pipeline.cluster import ClusterMonitor
from reelforge.pipeline.render_chunks import RENDER_QUEUE, chunk_runner
from reelforge.runtime import Runtime
from reelforge.settings import Settings


def _beat(rt: Runtime, executor_id: str, queues: list[str]) -> None:
    ClusterMonitor(rt.db, executor_id, queues, interval_s=1, dead_after_s=30).beat()


def test_chunks_go_to_the_queue_only_while_another_render_worker_is_alive(tmp_path: Path) -> None:
    rt = Runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rf.db'}",
                          heartbeat_interval_s=5))
    rt.db.migrate()

    def runner() -> object:
        return chunk_runner(rt, "req_1", lambda _queue: None)

    assert runner() is None  # no heartbeats at all (nothing else alive)
    _beat(rt, "render-a", ["render"])
    _beat(rt, "cpu-io", ["cpu", "io", "gpu"])
    assert runner() is None  # the only render worker is this one; the other works other queues
    _beat(rt, "render-b", [RENDER_QUEUE, "cpu"])
    assert runner() is not None  # a second render worker could take chunks
    with rt.db.session() as s:  # B goes silent: past two heartbeat intervals it no longer counts
        s.execute(update(ExecutorHeartbeat).where(ExecutorHeartbeat.executor_id == "render-b")
                  .values(last_seen=ExecutorHeartbeat.last_seen - 11))
    assert runner() is None
