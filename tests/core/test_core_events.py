"""A request's event log under concurrent appends: numbers stay 1..n with no gap and no append is
lost, on SQLite too (where a lost race used to surface as an IntegrityError after five retries)."""

from __future__ import annotations

import threading
from pathlib import Path

from reelforge.core import events
from reelforge.core.accounts import create_account
from reelforge.db.database import Database
from reelforge.db.models import Request


def test_parallel_appends_get_every_number_once(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'rf.db'}")
    db.migrate()
    account = create_account(db, "events", 0)
    with db.session() as s:
        s.add(Request(id="req_events", account_id=account.id, type="video", case_type="test"))
    threads, per_thread = 8, 25
    failures: list[BaseException] = []

    def appender(n: int) -> None:
        try:
            for i in range(per_thread):
                events.append(db, "req_events", "progress", {"thread": n, "i": i}, fraction=0.5)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    workers = [threading.Thread(target=appender, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    log = events.after(db, "req_events", 0, limit=10_000)
    assert [e.seq for e in log] == list(range(1, threads * per_thread + 1))
    assert sorted((e.data["thread"], e.data["i"]) for e in log) == [
        (n, i) for n in range(threads) for i in range(per_thread)
    ]
