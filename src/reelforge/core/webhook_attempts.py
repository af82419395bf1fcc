"""The delivery attempts of an account's (or one external user's) webhooks, newest first (the engine
writes them)."""

from __future__ import annotations

from sqlalchemy import select

from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import Request, WebhookAttempt


def for_owner(db: Database, owner: Owner, limit: int, request_id: str | None = None) -> list[WebhookAttempt]:
    """Attempts for the owner's requests only: an attempt row carries no account, so it is joined to
    its request, and another owner's request id simply matches nothing."""
    query = (
        select(WebhookAttempt)
        .join(Request, Request.id == WebhookAttempt.request_id)
        .where(Request.account_id == owner.account_id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    )
    if owner.external_user_id is not None:
        query = query.where(Request.external_user_id == owner.external_user_id)
    if request_id:
        query = query.where(WebhookAttempt.request_id == request_id)
    with db.session() as s:
        return list(s.execute(query).scalars())
