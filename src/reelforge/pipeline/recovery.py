"""The submission recoverer: every accepted request gets its workflow.

A request is committed with ``enqueued_at`` NULL and enqueued right after (pipeline/submit.py);
a process killed in between leaves a charged request that nothing would run. Every engine
process (API, worker or embedded) sweeps for such requests at start-up and every
``submission_recovery_interval_s`` and enqueues them — safe to do from many processes at once,
because the request id is the workflow id and enqueueing an existing workflow is a no-op. The
same pass deletes input blobs of submissions that never committed (core/staged_inputs.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from reelforge.core import staged_inputs
from reelforge.db.models import Request, utcnow
from reelforge.runtime import Runtime

log = logging.getLogger("reelforge.recovery")

Enqueue = Callable[[str], None]
BATCH = 500


# A request run in its API process (pipeline/inline.py) is never enqueued: give it this long to
# finish before treating it as stranded (its stage is safe to run again, like any stage).
INLINE_GRACE = timedelta(seconds=15)


def waiting(rt: Runtime, limit: int = BATCH) -> list[str]:
    """Accepted requests still PENDING whose workflow was never enqueued, oldest first."""
    with rt.db.session() as s:
        return list(
            s.scalars(
                select(Request.id)
                .where(
                    Request.enqueued_at.is_(None),
                    Request.status == "PENDING",
                    Request.created_at < utcnow() - INLINE_GRACE,
                )
                .order_by(Request.created_at)
                .limit(limit)
            )
        )


def resume(rt: Runtime, request_id: str, enqueue: Enqueue) -> bool:
    """Enqueue one request if it is waiting for its workflow (an idempotent replay of it asks)."""
    with rt.db.session() as s:
        req = s.get(Request, request_id)
        stranded = req is not None and req.enqueued_at is None and req.status == "PENDING"
    if stranded:
        log.warning("resuming %s, accepted but never enqueued", request_id)
        enqueue(request_id)
    return stranded


def sweep(rt: Runtime, enqueue: Enqueue) -> int:
    """One pass: enqueue every waiting request, delete expired staged inputs; returns how many
    requests it enqueued."""
    ids = waiting(rt)
    for request_id in ids:
        try:
            enqueue(request_id)
        except Exception:  # one bad row must not stop the others; the next pass tries again
            log.exception("could not enqueue %s", request_id)
    if ids:
        log.warning("enqueued %d accepted request(s) that had no workflow", len(ids))
    staged_inputs.sweep(rt.db, rt.blobs, timedelta(seconds=rt.settings.staged_input_ttl_s))
    return len(ids)


class SubmissionRecoverer(threading.Thread):
    def __init__(self, rt: Runtime, enqueue: Enqueue) -> None:
        super().__init__(daemon=True, name="reelforge-submission-recoverer")
        self.rt = rt
        self.enqueue = enqueue
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                sweep(self.rt, self.enqueue)
            except Exception:  # e.g. the database is restarting: the next pass tries again
                log.exception("submission recovery pass failed")
            if self.stopped.wait(self.rt.settings.submission_recovery_interval_s):
                return
