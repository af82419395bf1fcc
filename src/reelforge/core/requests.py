"""The lifecycle of an accepted request, as our table records it.

Terminal transitions are guarded updates (``WHERE status = 'PENDING'``) so a request is
completed, failed or cancelled exactly once, and the refund that goes with failure or
cancellation happens in the same transaction as the transition.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Engine, Select, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from reelforge.core import accounts, events, ledger
from reelforge.core.errors import BadRequest, NotFound, Unauthorized
from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import ApiKey, Request, StageRun, utcnow

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
_TERMINAL_EVENT: dict[str, events.EventType] = {"COMPLETED": "completed", "FAILED": "failed", "CANCELLED": "cancelled"}
PAUSED = "PAUSED"  # a stage held for the client's process_next (v2 step mode; pipeline/engine.py)
# The columns status_payload reads.
STATUS_COLUMNS = (
    "id", "account_id", "type", "case_type", "status", "provider", "session_id", "stages", "result", "error"
)


def get_owned(db: Database, owner: Owner, request_id: str | None, field: str = "request_id") -> Request:
    """The request if it exists and ``owner`` may see it (core/principals.py); 404 otherwise (never 403,
    to not leak ids)."""
    if not request_id:
        raise BadRequest(f"{field} is required.", field=field)
    with db.session() as s:
        req = s.get(Request, request_id)
    if req is None or not owner.owns(req.account_id, req.external_user_id):
        raise NotFound(f"No request with id {request_id!r}.", field=field)
    return req


def get(db: Database, request_id: str) -> Request:
    with db.session() as s:
        req = s.get(Request, request_id)
    if req is None:
        raise NotFound(f"No request with id {request_id!r}.", field="request_id")
    return req


def _of_owner(owner: Owner) -> Select[Request]:
    q = select(Request).where(Request.account_id == owner.account_id)
    if owner.external_user_id is not None:
        q = q.where(Request.external_user_id == owner.external_user_id)
    return q


def page_for(db: Database, owner: Owner, offset: int, limit: int) -> tuple[list[Request], int]:
    """One page of the owner's requests, newest first, and how many there are in all."""
    q = _of_owner(owner)
    with db.session() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = list(s.execute(q.order_by(Request.created_at.desc(), Request.id).offset(offset).limit(limit))
                    .scalars())
    return rows, int(total)


def list_for(
    db: Database, owner: Owner, type_: str | None, limit: int, *, include_archived: bool = True
) -> list[Request]:
    """The owner's newest requests (of one type, when given)."""
    q = _of_owner(owner)
    if type_ is not None:
        q = q.where(Request.type == type_)
    if not include_archived:
        q = q.where(Request.archived.is_(False))
    with db.session() as s:
        return list(s.execute(q.order_by(Request.created_at.desc()).limit(limit)).scalars())


def live_stages(db: Database, req: Request) -> dict[str, str]:
    """Per-stage status: the plan's stages, overlaid with the latest execution record of each.

    Derived from ``stage_runs`` (append-only) rather than kept in a JSON column, so parallel
    stages in different processes never overwrite each other's progress."""
    with db.session() as s:
        return _with_stage_runs(req.stages, s.execute(_STAGE_RUNS, {"request_id": req.id}).all())


_STAGE_RUNS = (
    select(StageRun.stage, StageRun.status).where(StageRun.request_id == bindparam("request_id")).order_by(StageRun.id)
)


def stage_outputs(db: Database, request_id: str) -> dict[str, dict[str, Any]]:
    """The output of each finished stage of a request (its latest completed or reused run), so a
    client can be shown what a running request has produced so far."""
    with db.session() as s:
        rows = s.execute(
            select(StageRun.stage, StageRun.output)
            .where(StageRun.request_id == request_id, StageRun.status.in_(("COMPLETED", "REUSED")))
            .order_by(StageRun.id)
        ).all()
    return {stage: dict(output) for stage, output in rows if output is not None}


def _with_stage_runs(plan_stages: dict[str, Any], runs: Any) -> dict[str, str]:
    """The plan's stages overlaid with the latest run of each (``runs`` in insertion order)."""
    stages = dict(plan_stages)
    for stage, status in runs:
        stages[stage] = "COMPLETED" if status == "REUSED" else status
    return stages


def status_body(db: Database, req: Request) -> dict[str, Any]:
    if req.status == "PENDING":
        req.stages = live_stages(db, req)
    return status_payload(req)


# GET /status's one query: the key's owner and, only if it owns it, the request (what the
# status body needs, not the bulky input). No row: unknown key; a row without r_id: not theirs.
_OWNED_STATUS = (
    select(
        ApiKey.account_id,
        *(getattr(Request, name).label(f"r_{name}") for name in STATUS_COLUMNS),
    )
    .select_from(ApiKey)
    .outerjoin(Request, and_(Request.id == bindparam("request_id"), Request.account_id == ApiKey.account_id))
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)
@functools.cache
def _autocommit(engine: Engine) -> Engine:
    """The engine's pool, without BEGIN/ROLLBACK around each read: on PostgreSQL that is two
    round trips fewer per status poll (the reads need no snapshot shared between them)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def owned_status(db: Database, authorization: str | None, request_id: str | None) -> dict[str, Any]:
    """``GET /status`` for the polling hot path (bench/load.py): the same answers and errors as
    ``authenticate`` + ``get_owned`` + ``status_body``, in one indexed query (two while PENDING)
    on one connection, with no ORM session."""
    key_hash = accounts.hash_key(accounts.bearer_token(authorization))
    with _autocommit(db.engine).connect() as conn:
        row = conn.execute(_OWNED_STATUS, {"key_hash": key_hash, "request_id": request_id or ""}).first()
        if row is None:
            raise Unauthorized("Invalid API key.", field="Authorization")
        if not request_id:
            raise BadRequest("request_id is required.", field="request_id")
        if row.r_id is None:
            raise NotFound(f"No request with id {request_id!r}.", field="request_id")
        req = Request(**{name: getattr(row, f"r_{name}") for name in STATUS_COLUMNS})
        if req.status == "PENDING":
            req.stages = _with_stage_runs(req.stages, conn.execute(_STAGE_RUNS, {"request_id": req.id}))
    return status_payload(req)


def _transition(s: Session, request_id: str, status: str, **values: Any) -> Request | None:
    """The guarded PENDING -> ``status`` update, with its terminal event appended in the same
    transaction (the update holds the row, so the event log sees it exactly once)."""
    changed = s.execute(  # type: ignore[attr-defined]
        update(Request)
        .where(Request.id == request_id, Request.status == "PENDING")
        .values(status=status, updated_at=utcnow(), **values)
    ).rowcount
    if not changed:
        return None
    req = s.get(Request, request_id)
    data: dict[str, Any] = {"status": status}
    if values.get("error"):
        data["error"] = values["error"]
    url = (values.get("result") or {}).get("result_url")
    if url:
        data["result_url"] = url
    events.append_in(s, request_id, _TERMINAL_EVENT[status], data)
    return req


def complete(db: Database, request_id: str, result: dict[str, Any], final_price: int | None = None) -> bool:
    """Mark COMPLETED with its result; settle the charge to ``final_price`` when given."""
    with db.session() as s:
        req = _transition(s, request_id, "COMPLETED", result=result)
        if req is None:
            return False
        req.stages = {k: "COMPLETED" for k in req.stages}
        if final_price is not None:
            diff = final_price - ledger.net_for_request(s, request_id)
            if diff:
                # Settlement may not push the balance below zero: a shortfall is written off.
                kind: ledger.Kind = "charge" if diff > 0 else "refund"
                try:
                    ledger.post_in(
                        s, req.account_id, kind, -diff, request_id, "settle to final duration", req.external_user_id
                    )
                except Exception:
                    s.rollback()
                    return complete(db, request_id, result, None)
                req.credits_charged = final_price
        return True


def _end_with_refund(db: Database, request_id: str, status: str, error: str | None) -> bool:
    with db.session() as s:
        req = _transition(s, request_id, status, error=error)
        if req is None:
            return False
        net = ledger.net_for_request(s, request_id)
        if net > 0:
            note = f"request {status.lower()}"
            ledger.post_in(s, req.account_id, "refund", net, request_id, note, req.external_user_id)
        return True


def fail(db: Database, request_id: str, error: str) -> bool:
    return _end_with_refund(db, request_id, "FAILED", error)


def cancel(db: Database, request_id: str) -> bool:
    return _end_with_refund(db, request_id, "CANCELLED", None)


# --- holds: a stage the engine waits before until process_next -----------------------------------
#
# A hold is the stage's latest execution record being PAUSED. The engine decides, when it reaches a
# group with stages that may be held (``begin_group``), and a client asks, before the engine gets
# there (``hold_before``): both first lock the request's row, so whichever comes second sees the
# other's record and a pause answered as taken is always honoured.


def _lock(s: Session, request_id: str) -> bool:
    """Lock the request's row for this transaction (PostgreSQL: the row lock; SQLite: the write
    lock); False when the request is no longer PENDING."""
    return bool(
        s.execute(  # type: ignore[attr-defined]
            update(Request)
            .where(Request.id == request_id, Request.status == "PENDING")
            .values(updated_at=utcnow())
        ).rowcount
    )


def _latest_runs(s: Session, request_id: str, names: list[str]) -> dict[str, str]:
    rows = s.execute(
        select(StageRun.stage, StageRun.status)
        .where(StageRun.request_id == request_id, StageRun.stage.in_(names))
        .order_by(StageRun.id)
    ).all()
    return {stage: status for stage, status in rows}


def begin_group(db: Database, request_id: str, names: list[str], executor_id: str) -> list[str]:
    """The engine reaches a group of stages that may be held: the ones to hold (a client's hold
    taken earlier, or a step request's ``pause_before`` now reached, recorded PAUSED here) in
    plan order. The others are recorded PENDING, so a later ``hold_before`` finds them started."""
    with db.session() as s:
        if not _lock(s, request_id):
            return []
        req = s.get(Request, request_id)
        step_holds = set((req.input.get("pause_before") if req else None) or [])
        latest = _latest_runs(s, request_id, names)
        held = []
        for name in names:
            if latest.get(name) == PAUSED:
                held.append(name)
            elif name not in latest:
                status = PAUSED if name in step_holds else "PENDING"
                s.add(StageRun(request_id=request_id, stage=name, status=status, executor_id=executor_id))
                if status == PAUSED:
                    held.append(name)
        return held


def hold_before(db: Database, request_id: str, stage: str, executor_id: str) -> str | None:
    """A client asks to hold the request before ``stage`` (pause_render). None: held (now or
    already); otherwise why not: the request has ended, or the stage was started or released."""
    with db.session() as s:
        if not _lock(s, request_id):
            return "ended"
        latest = _latest_runs(s, request_id, [stage]).get(stage)
        if latest == PAUSED:
            return None
        if latest is not None:
            return "started"
        s.add(StageRun(request_id=request_id, stage=stage, status=PAUSED, executor_id=executor_id))
        return None


def status_payload(req: Request) -> dict[str, Any]:
    """The body ``GET /status`` returns (and webhooks deliver), in the spec's shapes."""
    body: dict[str, Any] = {
        "session_id": req.session_id or req.id,
        "request_id": req.id,
        "status": req.status,
        "type": req.type,
        "provider": req.provider,
        "case_type": req.case_type,
    }
    if req.status == "PENDING":
        body["expressGenerationStatus"] = dict(req.stages)
        # As the Samsar processor's status: true while a stage is held (pause_render, v2 step mode).
        body["expressGenerationPaused"] = PAUSED in req.stages.values()
    elif req.status == "COMPLETED":
        body.update(req.result)
        # The request's state stays the status: a result's own one (an assistant turn's Responses-shaped
        # "completed" / "incomplete") moved beside it, or pollers waiting for COMPLETED never stop.
        body["status"] = req.status
        if "status" in req.result:
            body["result_status"] = req.result["status"]
        if not isinstance(body["provider"], str):
            # Status bodies carry provider as a string (image-api.txt); a structured one (receipt
            # templates: model and source) stays available beside it.
            body["provider_detail"] = body["provider"]
            body["provider"] = req.provider
        url = req.result.get("result_url")
        if url:
            body.setdefault("result_urls", [url])
            if req.type == "video":
                body.setdefault("videoLink", url)
                body.setdefault("remoteURL", url)
    elif req.status == "FAILED":
        message = req.error or "Generation failed."
        body["expressGenerationError"] = message
        body["message"] = message
    elif req.status == "CANCELLED":
        body["message"] = "Request was cancelled."
    return body


def set_archived(db: Database, request_id: str, archived: bool) -> None:
    """Hide a request from (or return it to) its owner's library lists; it stays reachable by id."""
    with db.session() as s:
        s.execute(update(Request).where(Request.id == request_id).values(archived=archived))
