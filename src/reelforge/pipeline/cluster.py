"""Cluster membership: executor ids, heartbeats, and recovery of dead executors' workflows.

DBOS recovers a crashed process's workflows only when a process with the *same* executor id
starts again. In a cluster a dead worker may never come back under its id, so every engine
process here heartbeats into ``executor_heartbeats`` and also watches the others: an executor
silent for longer than ``executor_dead_after_s`` is declared dead, and one live process (the
holder of a short lease on its row) hands its PENDING workflows back to their queues with DBOS's
own per-executor recovery (``dbos_private.recover_pending_workflows``). Any live process
listening on those queues then resumes them from their last checkpoint. The row is deleted
once nothing of the dead executor is left pending; until then every sweep tries again.

Executor ids: ``REELFORGE_EXECUTOR_ID`` when set. Otherwise the embedded single process on
SQLite (``reelforge serve`` with in-process workers) keeps DBOS's ``local``, so a restart of the
default install resumes its own work at once; every other process gets ``hostname-pid``, unique
per process, and its unfinished work is picked up by the live ones after the threshold.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from dbos import DBOS
from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session

from reelforge.db.database import Database
from reelforge.db.models import ExecutorHeartbeat
from reelforge.pipeline.dbos_private import recover_pending_workflows
from reelforge.settings import Settings

log = logging.getLogger("reelforge.cluster")

EMBEDDED_EXECUTOR_ID = "local"


def default_executor_id(settings: Settings, embedded: bool) -> str:
    """The executor id this process runs under (see the module docstring for the rule)."""
    if "executor_id" in settings.model_fields_set:
        return settings.executor_id
    if embedded and settings.resolved_database_url.startswith("sqlite"):
        return EMBEDDED_EXECUTOR_ID
    return f"{socket.gethostname()}-{os.getpid()}"


def db_clock(s: Session) -> float:
    """Seconds since the epoch by the database server's clock (one clock for every host)."""
    if s.get_bind().dialect.name == "postgresql":
        query = "SELECT extract(epoch from clock_timestamp())"
    else:
        query = "SELECT (julianday('now') - 2440587.5) * 86400.0"
    return float(s.execute(text(query)).scalar_one())


def recover_executor(executor_id: str) -> int:
    """Hand a dead executor's PENDING workflows back to their queues; returns how many are still
    PENDING under its id afterwards (0 = done).

    See ``dbos_private.recover_pending_workflows`` for why this is DBOS's private recovery: it
    re-enqueues each workflow, guarded on the dead executor id, so a duplicate call is harmless."""
    handles = recover_pending_workflows([executor_id])
    if handles:
        log.warning("recovered %d workflows of dead executor %s", len(handles), executor_id)
    remaining = DBOS.list_workflows(
        status="PENDING",
        executor_id=executor_id,
        app_version=DBOS.application_version,
        load_input=False,
        load_output=False,
    )
    return len(remaining)


class ClusterMonitor(threading.Thread):
    """Heartbeats for this process and recovers executors that stopped heartbeating."""

    def __init__(
        self,
        db: Database,
        executor_id: str,
        queues: list[str],
        *,
        interval_s: float,
        dead_after_s: float,
        recover: Callable[[str], int] = recover_executor,
    ):
        super().__init__(daemon=True, name="reelforge-cluster-monitor")
        self.db = db
        self.executor_id = executor_id
        self.queues = queues
        self.interval_s = interval_s
        self.dead_after_s = dead_after_s
        self.recover = recover
        self.stopped = threading.Event()
        self.started_at: float | None = None
        # Monotonic time of the first good heartbeat after the last database error: only a view
        # at least dead_after_s old may declare others dead. After an outage every process was
        # "silent", and without this the first one back would recover everybody's running work.
        self._healthy_since: float | None = None

    # --- heartbeat ---------------------------------------------------------------------------

    def beat(self) -> None:
        with self.db.session() as s:
            now = db_clock(s)
            if self.started_at is None:
                self.started_at = now
            row = s.get(ExecutorHeartbeat, self.executor_id)
            if row is None:
                s.add(
                    ExecutorHeartbeat(
                        executor_id=self.executor_id,
                        queues=self.queues,
                        hostname=socket.gethostname(),
                        pid=os.getpid(),
                        started_at=self.started_at,
                        last_seen=now,
                    )
                )
                return
            if row.claimed_by and row.claimed_by != self.executor_id:
                log.warning("executor %s was declared dead by %s while alive", self.executor_id, row.claimed_by)
            row.last_seen, row.claimed_by, row.claim_expires = now, None, None
            row.queues, row.pid = self.queues, os.getpid()

    # --- recovery ----------------------------------------------------------------------------

    def _claim(self, dead_id: str) -> bool:
        """Take the recovery lease on a silent executor's row; False if it came back or another
        live process holds an unexpired lease. One guarded UPDATE: atomic on PostgreSQL (the row
        lock serialises claimers and the loser re-checks the WHERE) and on SQLite (one writer)."""
        with self.db.session() as s:
            now = db_clock(s)
            t = ExecutorHeartbeat
            claimed = s.execute(
                update(t)
                .where(
                    t.executor_id == dead_id,
                    t.last_seen < now - self.dead_after_s,
                    or_(t.claimed_by.is_(None), t.claimed_by == self.executor_id, t.claim_expires < now),
                )
                .values(claimed_by=self.executor_id, claim_expires=now + max(self.dead_after_s, 10.0))
            ).rowcount  # type: ignore[attr-defined]
        return bool(claimed)

    def _forget(self, dead_id: str) -> None:
        with self.db.session() as s:
            s.execute(
                delete(ExecutorHeartbeat).where(
                    ExecutorHeartbeat.executor_id == dead_id, ExecutorHeartbeat.claimed_by == self.executor_id
                )
            )

    def silent_executors(self) -> list[str]:
        with self.db.session() as s:
            now = db_clock(s)
            rows = s.execute(
                select(ExecutorHeartbeat.executor_id).where(
                    ExecutorHeartbeat.last_seen < now - self.dead_after_s,
                    ExecutorHeartbeat.executor_id != self.executor_id,
                )
            ).scalars()
            return list(rows)

    def sweep(self) -> list[str]:
        """Recover every executor silent past the threshold; returns the ids fully recovered."""
        done = []
        for dead_id in self.silent_executors():
            if not self._claim(dead_id):
                continue
            remaining = self.recover(dead_id)
            if remaining == 0:
                self._forget(dead_id)
                done.append(dead_id)
            else:
                log.warning("executor %s still has %d pending workflows; retrying next sweep", dead_id, remaining)
        return done

    # --- loop --------------------------------------------------------------------------------

    def tick(self) -> None:
        try:
            self.beat()
        except Exception as exc:
            if self._healthy_since is not None:
                log.warning("heartbeat of %s failed: %s", self.executor_id, exc.__class__.__name__)
            self._healthy_since = None
            return
        if self._healthy_since is None:
            self._healthy_since = time.monotonic()
        if time.monotonic() - self._healthy_since < self.dead_after_s:
            return
        try:
            self.sweep()
        except Exception:
            log.exception("recovery sweep failed")

    def run(self) -> None:
        while True:
            self.tick()
            if self.stopped.wait(self.interval_s):
                return

    def stop(self) -> None:
        """Stop heartbeating. The row stays: whatever this process leaves PENDING is recovered by
        the live ones after the threshold, exactly as after a crash (or at once by a restart under
        the same executor id)."""
        self.stopped.set()
        if self.is_alive():
            self.join(self.interval_s + 5)


def live_executors(db: Database, queue: str, within_s: float) -> list[str]:
    """Executors working ``queue`` that heartbeated within the last ``within_s`` seconds."""
    with db.session() as s:
        now = db_clock(s)
        rows = s.execute(select(ExecutorHeartbeat.executor_id, ExecutorHeartbeat.queues)
                         .where(ExecutorHeartbeat.last_seen >= now - within_s)).all()
    return [executor for executor, queues in rows if queue in (queues or [])]
