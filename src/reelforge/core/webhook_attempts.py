"""The delivery attempts of an account's webhooks, newest first (the engine writes them)."""

from __future__ import annotations

from sqlalchemy import select

from reelforge.db.database import Database
from reelforge.db.models import Request, WebhookAttempt


def for_account(db: Database, account_id: str, limit: int, request_id: str | None = None) -> list[WebhookAttempt]:
    """Attempts for the account's requests only: an attempt row carries no account, so it is
    joined to its request, and another account's request id simply matches nothing."""
    query = (
        select(WebhookAttempt)
        .join(Request, Request.id == WebhookAttempt.request_id)
        .where(Request.account_id == account_id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    )
    if request_id:
        query = query.where(WebhookAttempt.request_id == request_id)
    with db.session() as s:
        return list(s.execute(query).scalars())
