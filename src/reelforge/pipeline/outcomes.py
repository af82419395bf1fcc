"""Waiting for a workflow's outcome by its event rather than by polling its result.

``handle.get_result()`` polls the workflow's status row (DBOS: once a second), so a waiter learns
of a finished child up to a second late. A child that publishes its outcome with
``DBOS.set_event(key, ...)`` wakes a ``DBOS.get_event`` waiter at once instead: by the in-process
signal (``dbos_private.install_local_event_wakeups``) or, across processes on PostgreSQL, by
LISTEN/NOTIFY. Used for stage workflows (pipeline/engine.py) and render chunks
(pipeline/render_chunks.py).
"""

from __future__ import annotations

import logging
from typing import Any

from dbos import DBOS

from reelforge.pipeline.dbos_private import queue_diagnosis

log = logging.getLogger("reelforge.engine")

UNFINISHED = {"PENDING", "ENQUEUED", "DELAYED"}
# Work still ENQUEUED this long is logged with what this process knows of its queue (again each time
# the wait doubles): behind a full queue that is a backlog, but a free slot with a live worker should
# have started it within a poll.
SLOW_START_S = 30.0


def await_published(handle: Any, key: str, fallback_s: float) -> Any | None:
    """The value the workflow of ``handle`` published under ``key``, or None once it ended without
    publishing (dead-lettered after crashing its workers, cancelled, an engine error): its status is
    read after each ``fallback_s`` without an event, and the caller's ``handle.get_result()`` then
    raises what it ended with.

    Inside a workflow every wait and status read here is a recorded DBOS operation, so a recovered
    waiter replays the same sequence."""
    waited, report_at = 0.0, SLOW_START_S
    while True:
        outcome = DBOS.get_event(handle.workflow_id, key, timeout_seconds=fallback_s)
        if outcome is not None:
            return outcome
        status = handle.get_status()
        if status is None or status.status not in UNFINISHED:
            return None
        waited += fallback_s
        if status.status == "ENQUEUED" and waited >= report_at and status.queue_name:
            report_at *= 2
            log.warning("%s still ENQUEUED after %.0f s on queue %s; here: %s", handle.workflow_id, waited,
                        status.queue_name, queue_diagnosis(status.queue_name))
