"""Idempotency claims: an in-flight 409 says when to retry; a stale claim can be taken over, and
the first holder's late answer is then refused (rolled back) instead of charging twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from reelforge.core import idempotency
from reelforge.core.accounts import create_account
from reelforge.db.database import Database
from reelforge.db.models import IdempotencyRecord


def test_in_flight_conflict_carries_retry_after_and_stale_claims_change_hands(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'rf.db'}")
    db.migrate()
    account = create_account(db, "idem", 0)
    first = idempotency.claim(db, account.id, "k", "h")
    assert isinstance(first, idempotency.Claim)

    with pytest.raises(idempotency.StillProcessing) as info:
        idempotency.claim(db, account.id, "k", "h")
    retry_after = int(info.value.response_headers()["Retry-After"])
    assert 1 <= retry_after <= idempotency.STALE_AFTER.total_seconds()

    with db.session() as s:  # the first holder's process died: its claim ages past STALE_AFTER
        rec = s.get(IdempotencyRecord, (account.id, "k"))
        assert rec is not None
        rec.created_at -= idempotency.STALE_AFTER + timedelta(seconds=1)
    second = idempotency.claim(db, account.id, "k", "h")
    assert isinstance(second, idempotency.Claim) and second.token != first.token

    with pytest.raises(idempotency.StillProcessing), db.session() as s:  # the old holder woke up late
        idempotency.record_in(s, account.id, first, 200, {"n": 1}, {})
    idempotency.release(db, account.id, first)  # not its claim any more: nothing released
    with db.session() as s:
        idempotency.record_in(s, account.id, second, 200, {"n": 2}, {})
    replay = idempotency.claim(db, account.id, "k", "h")
    assert isinstance(replay, idempotency.Replay) and replay.body == {"n": 2}
