"""Waiting for a workflow's outcome by its event rather than by polling its result.

``handle.get_result()`` polls the workflow's status row (DBOS: once a second), so a waiter learns
of a finished child up to a second late. A child that publishes its outcome with
``DBOS.set_event(key, ...)`` wakes a ``DBOS.get_event`` waiter at once instead: by the in-process
signal (``dbos_private.install_local_event_wakeups``) or, across processes on PostgreSQL, by
LISTEN/NOTIFY. Used for stage workflows (pipeline/engine.py) and render chunks
(pipeline/render_chunks.py).
"""

from __future__ import annotations

from typing import Any

from dbos import DBOS

UNFINISHED = {"PENDING", "ENQUEUED", "DELAYED"}


def await_published(handle: Any, key: str, fallback_s: float) -> Any | None:
    """The value the workflow of ``handle`` published under ``key``, or None once it ended without
    publishing (dead-lettered after crashing its workers, cancelled, an engine error): its status is
    read after each ``fallback_s`` without an event, and the caller's ``handle.get_result()`` then
    raises what it ended with.

    Inside a workflow every wait and status read here is a recorded DBOS operation, so a recovered
    waiter replays the same sequence."""
    while True:
        outcome = DBOS.get_event(handle.workflow_id, key, timeout_seconds=fallback_s)
        if outcome is not None:
            return outcome
        status = handle.get_status()
        if status is None or status.status not in UNFINISHED:
            return None
