"""Every private DBOS API reelforge uses, and why, in one place.

DBOS (pinned in pyproject.toml) offers no public way to do the things below; each is
reached through an underscore name that a DBOS upgrade may change without notice. Keeping them
here, each behind a named function or alias with a test in tests/pipeline/test_dbos_private.py,
makes such an upgrade fail in one visible place instead of deep inside the engine. No other
module may import ``dbos._*`` or call ``DBOS._*`` (a grep in that test guards it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import dbos._queue as dbos_queue
from dbos import DBOS, WorkflowHandle
from dbos._dbos import _get_dbos_instance
from dbos._error import DBOSAwaitedWorkflowMaxRecoveryAttemptsExceeded
from dbos._sys_db import SystemDatabase

AbandonedWorkflowError = DBOSAwaitedWorkflowMaxRecoveryAttemptsExceeded
"""Raised by ``handle.get_result()`` when the awaited workflow was dead-lettered: it crashed its
workers more than its ``max_recovery_attempts``. The engine's request workflow catches it to end
the request with a clear message; DBOS exports no public name for the class."""


def recover_pending_workflows(executor_ids: list[str]) -> list[WorkflowHandle[Any]]:
    """Hand the PENDING workflows of ``executor_ids`` back to the queues for any live process.

    Why private: DBOS recovers a crashed executor's work only when a process with the same
    executor id starts again; in a cluster a dead worker may never return under its id. The
    public ``DBOS.resume_workflow`` would reset each workflow's recovery-attempt count and so
    defeat ``max_recovery_attempts`` for jobs that crash every worker; ``_recover_pending_workflows``
    is DBOS's own per-executor recovery, guarded on the executor id, so a repeated call is harmless."""
    return DBOS._recover_pending_workflows(executor_ids)


_original_get_queue = SystemDatabase.get_queue


def override_worker_concurrency(limit_for: Callable[[str], int | None]) -> None:
    """Make this process dequeue from each queue at most ``limit_for(name)`` workflows at once
    (``None``: keep DBOS's stored value).

    Why private: DBOS keeps a queue's ``worker_concurrency`` in one row of its system database and
    every worker re-reads that row (``SystemDatabase.get_queue``) before each dequeue, so the last
    process to register a queue sets it for the whole cluster. A GPU box must run one render while
    a 32-core box runs eight, and no public API sets a per-process value: this wraps the private
    ``get_queue`` and overwrites the private ``Queue._worker_concurrency`` of what it returns.
    Call before ``DBOS.launch`` so no dequeue sees the shared value."""

    def get_queue_with_local_limit(self: SystemDatabase, name: str, **kwargs: Any) -> Any:
        queue = _original_get_queue(self, name, **kwargs)
        limit = limit_for(name)
        if queue is not None and limit is not None:
            queue._worker_concurrency = limit
        return queue

    SystemDatabase.get_queue = get_queue_with_local_limit  # type: ignore[method-assign]


class _WakeableStop:
    """What a queue worker thread sees as its stop event: ``wait`` also returns (False: not
    stopped) as soon as ``wake`` is called, so the worker polls its queue at once.

    It waits on a condition of its own. It once waited on the stop event's own condition
    (``Event._cond``) so that stopping DBOS would end the wait at once, but a wake-up's notify then
    reached every thread in ``stop_event.wait``, and ``Event.wait`` reports any notify as "set": DBOS's
    queue manager took the first wake-up for shutdown and left its loop, so queues registered after
    it (all of ours, when the wake came early) never got a worker, and a worker that died was never
    restarted — jobs sat ENQUEUED for good. A stop is now seen within ``STOP_CHECK_S``."""

    STOP_CHECK_S = 0.5

    def __init__(self, stop: threading.Event, idle: Callable[[], bool] = lambda: False) -> None:
        self._stop = stop
        self._idle = idle
        self._cond = threading.Condition()
        self._pending = False

    def is_set(self) -> bool:
        return self._stop.is_set()

    def set(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._pending = True  # kept if the worker is busy polling: its next wait returns at once
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        started = time.monotonic()
        with self._cond:
            while not (self._pending or self._stop.is_set()):
                left = self.STOP_CHECK_S
                if timeout is not None:
                    # Looked at again on every check: a queue that gets work of its own mid-wait
                    # goes back to its short interval within STOP_CHECK_S.
                    interval = max(timeout, _idle_polling_interval_s) if self._idle() else timeout
                    left = min(left, started + interval - time.monotonic())
                    if left <= 0:
                        break
                self._cond.wait(left)
            self._pending = False
        return self._stop.is_set()


_queue_waiters: dict[str, set[_WakeableStop]] = {}
_idle_polling_interval_s = 0.0
_queue_waiters_lock = threading.Lock()
_original_queue_worker_thread = dbos_queue.queue_worker_thread


def install_queue_wakeups(idle_polling_interval_s: float = 0.0) -> None:
    """Let ``wake_queue`` cut a queue worker's polling wait short in this process, and let a queue
    with nothing of its own running here poll only every ``idle_polling_interval_s``.

    Why private: DBOS's per-queue worker thread (``dbos._queue.queue_worker_thread``) sleeps
    ``polling_interval_sec`` between polls on the stop event it shares with every background
    thread, and nothing public wakes it; a job enqueued just after a poll waited out the whole
    interval (0.5 s) per stage. This wraps the thread function (looked up by name when the queue
    manager starts a worker) so each worker waits on a ``_WakeableStop`` instead. Idempotent (the
    idle interval is set on every call); call before ``DBOS.launch``.

    The idle interval: every poll is a few system-database queries, and the queues of an idle
    server at 0.5 s cost 4 % of a core. Enqueues here (and, on PostgreSQL, anywhere) wake the queue
    at once, so short polls matter only while the queue has work of its own running here (a slot it
    frees lets the next ENQUEUED job in): then it keeps its short interval (``DBOS._active_workflows_set``,
    private, is how the worker knows). Idle, only a job enqueued by another process on SQLite, or
    recovered, waits for the longer poll."""
    global _idle_polling_interval_s
    _idle_polling_interval_s = idle_polling_interval_s
    if dbos_queue.queue_worker_thread is not _original_queue_worker_thread:
        return

    def worker(stop_event: threading.Event, dbos: Any, queue: Any) -> None:
        active = dbos._active_workflows_set
        stop = _WakeableStop(stop_event, lambda: active.count_for_queue(queue.name) == 0)
        with _queue_waiters_lock:
            _queue_waiters.setdefault(queue.name, set()).add(stop)
        try:
            _original_queue_worker_thread(stop, dbos, queue)  # type: ignore[arg-type]
        finally:
            with _queue_waiters_lock:
                _queue_waiters.get(queue.name, set()).discard(stop)

    dbos_queue.queue_worker_thread = worker


def wake_queue(name: str) -> bool:
    """Make this process's worker of queue ``name`` poll now; False when none runs here."""
    with _queue_waiters_lock:
        waiters = list(_queue_waiters.get(name, ()))
    for waiter in waiters:
        waiter.wake()
    return bool(waiters)


def queue_diagnosis(name: str) -> dict[str, Any]:
    """What this process knows of queue ``name``, for a log line when work has waited on it long:
    its worker threads alive here, those waiting for a wake-up, and the workflows of it running here
    (the slots they hold).

    Why private: DBOS exposes neither its per-queue worker threads (named ``queue-worker-<name>``
    by its queue manager) nor the executions it counts against ``worker_concurrency``
    (``DBOS._active_workflows_set``); a job that sat ENQUEUED for a minute in CI left no other trace."""
    active = _get_dbos_instance()._active_workflows_set
    with active._lock:
        running = sorted(key for key, buckets in active._m.items()
                         if any(bucket is not None and bucket[0] == name for bucket in buckets))
    with _queue_waiters_lock:
        waiters = list(_queue_waiters.get(name, ()))
    return {
        "worker_threads": sum(1 for t in threading.enumerate() if t.name == f"queue-worker-{name}" and t.is_alive()),
        "wakeable_waits": len(waiters),
        "running_here": running,
    }


_original_set_event = SystemDatabase.set_event_from_workflow


def install_local_event_wakeups() -> None:
    """Wake this process's ``DBOS.get_event`` waiters the moment a workflow here sets the event.

    Why private: on SQLite DBOS delivers events to waiters by polling (every
    ``notification_listener_polling_interval_sec``), and on PostgreSQL by a NOTIFY coalesced
    for 10 ms and sent back through the server, even when the setter and the waiter share a
    process (the embedded default always does). This wraps ``SystemDatabase.set_event_from_workflow``
    to signal the waiter's entry in the private ``workflow_events_map`` after the value is
    committed, exactly what DBOS's own listener does when it is told. Idempotent."""
    if SystemDatabase.set_event_from_workflow is not _original_set_event:
        return

    def set_event_and_wake(self: SystemDatabase, workflow_uuid: str, function_id: int, key: str, message: Any,
                           **kwargs: Any) -> None:
        _original_set_event(self, workflow_uuid, function_id, key, message, **kwargs)
        signal = self.workflow_events_map.get(self._waiter(workflow_uuid, key)[0])
        if signal is not None:
            signal.set()

    SystemDatabase.set_event_from_workflow = set_event_and_wake  # type: ignore[method-assign]


__all__ = [
    "AbandonedWorkflowError",
    "install_local_event_wakeups",
    "install_queue_wakeups",
    "override_worker_concurrency",
    "queue_diagnosis",
    "recover_pending_workflows",
    "wake_queue",
]
