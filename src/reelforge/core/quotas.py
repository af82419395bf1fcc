"""Per-account quotas checked when a job is accepted.

An account may have at most ``limit`` requests PENDING at once. Going over is refused with 429
and a ``Retry-After`` (the condition clears by itself as jobs finish, which is what 429 tells a
client and its retry logic; 409 would say the request itself conflicts with a resource's state).
The check runs inside the accepting transaction, before the charge, so a refusal charges and
stores nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reelforge.core.errors import TooManyRequests
from reelforge.db.models import Account, Request

# What a refused client is told to wait: long enough for a short job to finish.
PENDING_RETRY_AFTER_S = 5


class TooManyPendingJobs(TooManyRequests):
    code = "too_many_pending_jobs"

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(PENDING_RETRY_AFTER_S)}


def ensure_pending_capacity(s: Session, account_id: str, limit: int) -> None:
    """Refuse (429) when the account already has ``limit`` PENDING requests; ``limit`` 0 = no bound.

    The no-op UPDATE of the account row comes first: it takes SQLite's write lock or
    PostgreSQL's row lock, so two submissions of one account are serialised and the count
    cannot be read stale by both."""
    if limit <= 0:
        return
    s.execute(update(Account).where(Account.id == account_id).values(balance=Account.balance))
    pending = s.execute(
        select(func.count()).select_from(Request).where(Request.account_id == account_id, Request.status == "PENDING")
    ).scalar_one()
    if pending >= limit:
        raise TooManyPendingJobs(
            f"This account already has {pending} jobs pending (the limit is {limit}); "
            f"retry when some have finished. Nothing was charged.",
            extra={"pending_jobs": pending, "max_pending_jobs": limit, "retry_after": PENDING_RETRY_AFTER_S},
        )
