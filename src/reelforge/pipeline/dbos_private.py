"""Every private DBOS API reelforge uses, and why, in one place.

DBOS (pinned in pyproject.toml) offers no public way to do the three things below; each is
reached through an underscore name that a DBOS upgrade may change without notice. Keeping them
here, each behind a named function or alias with a test in tests/pipeline/test_dbos_private.py,
makes such an upgrade fail in one visible place instead of deep inside the engine. No other
module may import ``dbos._*`` or call ``DBOS._*`` (a grep in that test guards it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbos import DBOS, WorkflowHandle
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


__all__ = ["AbandonedWorkflowError", "override_worker_concurrency", "recover_pending_workflows"]
