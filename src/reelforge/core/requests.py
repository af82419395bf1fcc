"""The lifecycle of an accepted request, as our table records it.

Terminal transitions are guarded updates (``WHERE status = 'PENDING'``) so a request is
completed, failed or cancelled exactly once, and the refund that goes with failure or
cancellation happens in the same transaction as the transition.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reelforge.core import ledger
from reelforge.core.errors import BadRequest, NotFound
from reelforge.db.database import Database
from reelforge.db.models import Request, StageRun, utcnow

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")


def get_owned(db: Database, account_id: str, request_id: str | None, field: str = "request_id") -> Request:
    """The request if it exists and belongs to the account; 404 otherwise (never 403, to not leak ids)."""
    if not request_id:
        raise BadRequest(f"{field} is required.", field=field)
    with db.session() as s:
        req = s.get(Request, request_id)
    if req is None or req.account_id != account_id:
        raise NotFound(f"No request with id {request_id!r}.", field=field)
    return req


def get(db: Database, request_id: str) -> Request:
    with db.session() as s:
        req = s.get(Request, request_id)
    if req is None:
        raise NotFound(f"No request with id {request_id!r}.", field="request_id")
    return req


def list_for(db: Database, account_id: str, type_: str, limit: int) -> list[Request]:
    with db.session() as s:
        rows = s.execute(
            select(Request)
            .where(Request.account_id == account_id, Request.type == type_)
            .order_by(Request.created_at.desc())
            .limit(limit)
        ).scalars()
        return list(rows)


def live_stages(db: Database, req: Request) -> dict[str, str]:
    """Per-stage status: the plan's stages, overlaid with the latest execution record of each.

    Derived from ``stage_runs`` (append-only) rather than kept in a JSON column, so parallel
    stages in different processes never overwrite each other's progress."""
    stages = dict(req.stages)
    with db.session() as s:
        rows = s.execute(select(StageRun.stage, StageRun.status).where(StageRun.request_id == req.id)
                         .order_by(StageRun.id)).all()
    for stage, status in rows:
        stages[stage] = "COMPLETED" if status == "REUSED" else status
    return stages


def status_body(db: Database, req: Request) -> dict[str, Any]:
    if req.status == "PENDING":
        req.stages = live_stages(db, req)
    return status_payload(req)


def _transition(s: Session, request_id: str, status: str, **values: Any) -> Request | None:
    changed = s.execute(  # type: ignore[attr-defined]
        update(Request)
        .where(Request.id == request_id, Request.status == "PENDING")
        .values(status=status, updated_at=utcnow(), **values)
    ).rowcount
    return s.get(Request, request_id) if changed else None


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
                    ledger.post_in(s, req.account_id, kind, -diff, request_id, note="settle to final duration")
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
            ledger.post_in(s, req.account_id, "refund", net, request_id, note=f"request {status.lower()}")
        return True


def fail(db: Database, request_id: str, error: str) -> bool:
    return _end_with_refund(db, request_id, "FAILED", error)


def cancel(db: Database, request_id: str) -> bool:
    return _end_with_refund(db, request_id, "CANCELLED", None)


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
    elif req.status == "COMPLETED":
        body.update(req.result)
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
