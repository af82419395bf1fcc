"""A request's progress log: what clients stream (``GET /v1/requests/{id}/events``) and webhooks
filter on.

Events are numbered per request from 1 (``seq``, the SSE event id) and commit in that order with no
gaps: an append locks the request row (PostgreSQL) or takes SQLite's single write lock before it
reads the last number (``_lock_request``), and the (request, seq) primary key turns a lost race into
a retry. So a reader that saw ``seq`` n and asks for what follows can never miss an earlier one.

Every event carries the request's ``percent`` (0-100, never decreasing): stages finished plus the
running stage's reported fraction, over the plan's stage count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal, TypedDict, Unpack

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelforge.db.database import Database
from reelforge.db.models import Request, RequestEvent, utcnow, wire_time

log = logging.getLogger("reelforge.events")

EventType = Literal[
    "accepted", "queued", "stage_started", "progress", "stage_finished", "completed", "failed", "cancelled"
]
TERMINAL_EVENTS = ("completed", "failed", "cancelled")
_APPEND_ATTEMPTS = 5
_MAX_RUNNING_PERCENT = 99.0  # 100 is reached by the completed event only


def plan_of(req: Request) -> list[list[str]]:
    """The request's stage names, group by group, as accepted (pipeline/submit.py records them)."""
    return [list(group) for group in req.input.get("plan", [])]


def stage_count(req: Request) -> int:
    return sum(len(group) for group in plan_of(req)) or 1


def _percent(s: Session, request_id: str, type_: str, last: float, total: int, fraction: float | None) -> float:
    if type_ == "completed":
        return 100.0
    if fraction is None and type_ != "stage_finished":
        return last
    finished = s.execute(
        select(func.count()).where(RequestEvent.request_id == request_id, RequestEvent.type == "stage_finished")
    ).scalar_one()
    done = finished + 1 if type_ == "stage_finished" else finished + min(max(fraction or 0.0, 0.0), 1.0)
    return max(last, min(_MAX_RUNNING_PERCENT, round(100.0 * done / max(total, 1), 1)))


class AppendOptions(TypedDict, total=False):
    total_stages: int  # the plan's stage count, for ``percent``
    fraction: float | None  # how far the running stage is (progress events)
    unless: Callable[[Session], bool] | None


def _lock_request(s: Session, request_id: str) -> None:
    """Hold the request against other appends until the caller's transaction ends.

    SQLite has no row locks and ignores FOR UPDATE, and Python's sqlite3 begins a transaction only at
    the first write: the last number was read outside any lock, and under a burst of progress events
    one append lost the race five times running (tests/core/test_core_events.py). A write that changes
    nothing takes the database's write lock first (waiting ``busy_timeout`` for it)."""
    if s.get_bind().dialect.name == "sqlite":
        # Not update(Request): that would also run updated_at's onupdate.
        s.execute(text(f"UPDATE {Request.__tablename__} SET id = id WHERE id = :id"), {"id": request_id})
    else:
        s.execute(select(Request.id).where(Request.id == request_id).with_for_update())


def append_in(
    s: Session, request_id: str, type_: EventType, data: dict[str, Any] | None = None, **options: Unpack[AppendOptions]
) -> RequestEvent | None:
    """Append in the caller's transaction (which should already hold the request row, as a status
    transition does). ``fraction``: how far the running stage is (progress events). ``unless``:
    a check of the log that skips the append (None returned), run after the last number was read,
    so an event committed after the check takes that number and makes this append retry."""
    unless, fraction = options.get("unless"), options.get("fraction")
    _lock_request(s, request_id)
    last_seq, last_percent = s.execute(
        select(func.max(RequestEvent.seq), func.max(RequestEvent.percent)).where(RequestEvent.request_id == request_id)
    ).one()
    if unless is not None and unless(s):
        return None
    event = RequestEvent(
        request_id=request_id,
        seq=(last_seq or 0) + 1,
        type=type_,
        percent=_percent(s, request_id, type_, last_percent or 0.0, options.get("total_stages", 1), fraction),
        data=data or {},
        created_at=utcnow(),
    )
    s.add(event)
    s.flush()
    return event


def append(
    db: Database, request_id: str, type_: EventType, data: dict[str, Any] | None = None,
    **options: Unpack[AppendOptions]
) -> RequestEvent | None:
    """Append in a transaction of its own, retrying when a concurrent append took the number."""
    for attempt in range(_APPEND_ATTEMPTS):
        try:
            with db.session() as s:
                return append_in(s, request_id, type_, data, **options)
        except IntegrityError:
            if attempt + 1 == _APPEND_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def after(db: Database, request_id: str, seq: int, limit: int = 500) -> list[RequestEvent]:
    """The request's events numbered above ``seq``, in order."""
    with db.session() as s:
        return list(
            s.execute(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id, RequestEvent.seq > seq)
                .order_by(RequestEvent.seq)
                .limit(limit)
            ).scalars()
        )


def last_of(s: Session, request_id: str, type_: EventType) -> RequestEvent | None:
    return s.execute(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.type == type_)
        .order_by(RequestEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def wire(event: RequestEvent) -> dict[str, Any]:
    """An event as clients receive it (SSE ``data`` and webhook ``event``)."""
    return {
        **event.data,
        "id": event.seq,
        "type": event.type,
        "request_id": event.request_id,
        "percent": event.percent,
        "created_at": wire_time(event.created_at),
    }


def first_seq(db: Database, request_id: str, type_: EventType) -> int | None:
    with db.session() as s:
        return s.execute(
            select(func.min(RequestEvent.seq)).where(RequestEvent.request_id == request_id, RequestEvent.type == type_)
        ).scalar_one_or_none()


def record_queue_position(db: Database, request_id: str, stage: str | None, queue: str, position: int) -> bool:
    """Append ``queued`` with the request's position on ``queue`` unless it is unchanged, the stage
    has started meanwhile, or the request has ended. True when appended."""

    def stale(s: Session) -> bool:
        if s.execute(select(Request.status).where(Request.id == request_id)).scalar_one_or_none() != "PENDING":
            return True
        last = s.execute(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id, RequestEvent.type.in_(("queued", "stage_started")))
            .order_by(RequestEvent.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        if last is None or last.data.get("stage") != stage:
            return False
        return last.type == "stage_started" or last.data.get("queue_position") == position

    data: dict[str, Any] = {"queue": queue, "queue_position": position}
    if stage:
        data["stage"] = stage
    return append(db, request_id, "queued", data, unless=stale) is not None
