"""The submission recoverer: every accepted request gets its workflow.

A request is committed with ``enqueued_at`` NULL and enqueued right after (pipeline/submit.py);
a process killed in between leaves a charged request that nothing would run. Every engine
process (API, worker or embedded) sweeps for such requests at start-up and every
``submission_recovery_interval_s`` and enqueues them — safe to do from many processes at once,
because the request id is the workflow id and enqueueing an existing workflow is a no-op. The
same pass deletes input blobs of submissions that never committed (core/staged_inputs.py).

A request run in its API process instead (``enqueue=False``: streamed chat, ``pipeline/inline.py``)
is never enqueued either; while it runs, :func:`inline_heartbeat` keeps ``inline_alive_at`` fresh in
its row, and the recoverer takes it over only once that heartbeat is older than
``inline_grace_s``: its process died, so its stages run again on a worker (safe, like any stage).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from reelforge.core import staged_inputs
from reelforge.db.models import Request, utcnow
from reelforge.runtime import Runtime

log = logging.getLogger("reelforge.recovery")

Enqueue = Callable[[str], None]
BATCH = 500


def _stale_before(rt: Runtime) -> datetime:
    return utcnow() - timedelta(seconds=rt.settings.inline_grace_s)


def _stranded(rt: Runtime) -> ColumnElement[bool]:
    """Accepted, PENDING, never enqueued, and no live process running it inline: accepted more than
    the grace ago (an inline run starts its heartbeat right after acceptance) and not heartbeating."""
    stale = _stale_before(rt)
    return (
        Request.enqueued_at.is_(None)
        & (Request.status == "PENDING")
        & (Request.created_at < stale)
        & or_(Request.inline_alive_at.is_(None), Request.inline_alive_at < stale)
    )


def waiting(rt: Runtime, limit: int = BATCH) -> list[str]:
    """Accepted requests still PENDING whose workflow was never enqueued, oldest first."""
    with rt.db.session() as s:
        return list(s.scalars(select(Request.id).where(_stranded(rt)).order_by(Request.created_at).limit(limit)))


def resume(rt: Runtime, request_id: str, enqueue: Enqueue) -> bool:
    """Enqueue one request if it is waiting for its workflow (an idempotent replay of it asks); a
    request its API process is still running inline is left to it."""
    with rt.db.session() as s:
        req = s.get(Request, request_id)
        stranded = (
            req is not None
            and req.enqueued_at is None
            and req.status == "PENDING"
            and (req.inline_alive_at is None or req.inline_alive_at < _stale_before(rt))
        )
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


def _beat(rt: Runtime, request_id: str) -> None:
    with rt.db.session() as s:
        s.execute(update(Request).where(Request.id == request_id).values(inline_alive_at=utcnow()))


@contextmanager
def inline_heartbeat(rt: Runtime, request_id: str) -> Iterator[None]:
    """Mark the request as run by this process for as long as the block runs: ``inline_alive_at`` is
    written now and every third of ``inline_grace_s`` (so one missed beat is not a takeover)."""
    _beat(rt, request_id)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(rt.settings.inline_grace_s / 3):
            try:
                _beat(rt, request_id)
            except Exception:  # a database hiccup: the next beat tries again
                log.exception("inline heartbeat of %s failed", request_id)

    thread = threading.Thread(target=beat, daemon=True, name=f"reelforge-inline-{request_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()


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
