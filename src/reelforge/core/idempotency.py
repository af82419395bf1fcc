"""``Idempotency-Key`` handling: the first response for a key is stored and replayed.

A key is claimed with a placeholder row before any money moves; the response is written in
the same transaction as the charge (see ``pipeline.submit``), so a replay never charges twice.
Same key with a different body is a 409, as is a key whose first request is still in flight
(with a ``Retry-After`` saying when its claim goes stale). A stale claim — its process died
between claiming and answering — is taken over with a new token; the old holder's answer is then
refused, so a slow first attempt and its retry can never both charge.
"""

from __future__ import annotations

import math
import secrets
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

# A placeholder older than this belongs to a request whose process died before answering. Between
# claim and answer a submission only stores its inputs and commits (media is fetched before the
# claim), so a live holder answers well within it; taking over a live one is safe anyway (above).
STALE_AFTER = timedelta(seconds=15)


class StillProcessing(Conflict):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed.", field="Idempotency-Key")
        self.retry_after_s = retry_after_s

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


@dataclass(frozen=True)
class Claim:
    """An unanswered claim on a key; ``token`` proves it is still ours when the answer is recorded."""

    key: str
    token: str


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]


def fingerprint(route: str, body: Any) -> str:
    return content_hash({"route": route, "body": body})


def claim(db: Database, account_id: str, key: str, request_hash: str) -> Replay | Claim:
    """Claim ``key`` for this request; returns the stored response if it was already answered."""
    mine = Claim(key, secrets.token_hex(16))
    try:
        with db.session() as s:
            s.add(IdempotencyRecord(account_id=account_id, key=key, request_hash=request_hash, claim_token=mine.token))
        return mine
    except IntegrityError:
        pass
    with db.session() as s:
        rec = s.get(IdempotencyRecord, (account_id, key))
        if rec is None:  # released between our insert and read: try once more
            s.add(IdempotencyRecord(account_id=account_id, key=key, request_hash=request_hash, claim_token=mine.token))
            return mine
        if rec.request_hash != request_hash:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.", field="Idempotency-Key"
            )
        if rec.status_code is None:
            age = utcnow() - rec.created_at
            if age > STALE_AFTER:
                rec.created_at, rec.claim_token = utcnow(), mine.token
                return mine
            raise StillProcessing(max(1, math.ceil((STALE_AFTER - age).total_seconds())))
        return Replay(rec.status_code, dict(rec.body), {k: str(v) for k, v in rec.headers.items()})


def record_in(
    s: Session, account_id: str, claimed: Claim, status_code: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    """Record the answer in the accepting transaction; refuses (rolling it back) when the claim
    was taken over as stale meanwhile, because the taker may be charging for the same key."""
    rec = s.get(IdempotencyRecord, (account_id, claimed.key))
    if rec is None or rec.claim_token != claimed.token or rec.status_code is not None:
        raise StillProcessing(1)
    rec.status_code, rec.body, rec.headers = status_code, body, headers


def release(db: Database, account_id: str, claimed: Claim) -> None:
    """Forget our unanswered claim (the request was refused), so the client may retry with the key."""
    with db.session() as s:
        s.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.account_id == account_id,
                IdempotencyRecord.key == claimed.key,
                IdempotencyRecord.claim_token == claimed.token,
                IdempotencyRecord.status_code.is_(None),
            )
        )
