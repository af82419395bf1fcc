"""``Idempotency-Key`` handling: the first response for a key is stored and replayed.

A key is claimed with a placeholder row before any money moves; the response is written in
the same transaction as the charge (see ``pipeline.submit``), so a replay never charges twice.
Same key with a different body is a 409, as is a key whose first request is still in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelforge.core.errors import Conflict
from reelforge.core.hashing import content_hash
from reelforge.db.database import Database
from reelforge.db.models import IdempotencyRecord, utcnow

# A placeholder older than this belongs to a request whose process died before answering.
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]


def fingerprint(route: str, body: Any) -> str:
    return content_hash({"route": route, "body": body})


def claim(db: Database, account_id: str, key: str, request_hash: str) -> Replay | None:
    """Claim ``key`` for this request; returns the stored response if it was already answered."""
    try:
        with db.session() as s:
            s.add(IdempotencyRecord(account_id=account_id, key=key, request_hash=request_hash))
        return None
    except IntegrityError:
        pass
    with db.session() as s:
        rec = s.get(IdempotencyRecord, (account_id, key))
        if rec is None:  # released between our insert and read: try once more
            s.add(IdempotencyRecord(account_id=account_id, key=key, request_hash=request_hash))
            return None
        if rec.request_hash != request_hash:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.", field="Idempotency-Key"
            )
        if rec.status_code is None:
            if utcnow() - rec.created_at > STALE_AFTER:
                rec.created_at = utcnow()
                return None
            raise Conflict("A request with this Idempotency-Key is still being processed.", field="Idempotency-Key")
        return Replay(rec.status_code, dict(rec.body), {k: str(v) for k, v in rec.headers.items()})


def record_in(
    s: Session, account_id: str, key: str, status_code: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    rec = s.get(IdempotencyRecord, (account_id, key))
    if rec is not None:
        rec.status_code, rec.body, rec.headers = status_code, body, headers


def release(db: Database, account_id: str, key: str) -> None:
    """Forget an unanswered claim (the request was refused), so the client may retry with the key."""
    with db.session() as s:
        s.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.account_id == account_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status_code.is_(None),
            )
        )
