"""The crash drill for submission: SIGKILL a real server during bursts of charging requests.

Used by tests/pipeline/test_submit_crash.py (2 rounds) and bench/submit_crash_drill.py (5).
Each round sends ``burst`` concurrent enhance requests (a small data: URL image, each with its
own Idempotency-Key), kills the server's process group with SIGKILL while they are in flight,
counts the requests left charged but never enqueued, and restarts it on the same data. At the
end every request must be COMPLETED or FAILED and refunded, the ledger must balance, and no
request may be PENDING without a workflow once the recoverer has had its interval.
"""

from __future__ import annotations

import base64
import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import ColumnElement, func, select

from reelforge.db.database import Database
from reelforge.db.models import Account, LedgerEntry, Request
from support import ReelforgeServer, wait_for

RECOVERY_INTERVAL_S = 1.0


def small_image_url() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), (40, 120, 200)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@dataclass
class DrillReport:
    accepted: set[str] = field(default_factory=set)  # request ids answered 200
    stranded_per_round: list[int] = field(default_factory=list)  # charged, never enqueued, at the kill
    lost_answers: int = 0  # requests whose connection the kill cut
    statuses: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _burst(server: ReelforgeServer, key: str, image_url: str, burst: int, report: DrillReport) -> threading.Event:
    """Send ``burst`` requests from threads; the event is set once a quarter have answered."""
    answered = threading.Event()
    count = [0]
    lock = threading.Lock()

    def one() -> None:
        try:
            with server.client(key, timeout=30) as c:
                r = c.post(
                    "/v1/image/enhance",
                    json={"image_url": image_url, "resolution": "1k"},
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
            if r.status_code == 200:
                with lock:
                    report.accepted.add(r.json()["request_id"])
        except httpx.HTTPError:
            with lock:
                report.lost_answers += 1
        with lock:
            count[0] += 1
            if count[0] >= burst // 4:
                answered.set()

    for _ in range(burst):
        threading.Thread(target=one, daemon=True).start()
    return answered


def _count(db: Database, *where: ColumnElement[bool]) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Request).where(*where)) or 0)


def _stranded(db: Database) -> int:
    """Requests charged and recorded whose workflow was never enqueued."""
    return _count(db, Request.status == "PENDING", Request.enqueued_at.is_(None))


def _check_books(db: Database, report: DrillReport) -> None:
    with db.session() as s:
        requests = {r.id: r for r in s.scalars(select(Request))}
        nets: dict[str | None, int] = {}
        for entry in s.scalars(select(LedgerEntry)):
            nets[entry.request_id] = nets.get(entry.request_id, 0) + entry.amount
        for account in s.scalars(select(Account)):
            total = s.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.account_id == account.id)) or 0
            if total != account.balance:
                report.problems.append(f"account {account.id}: ledger sums to {total}, balance says {account.balance}")
    for request_id in report.accepted - set(requests):
        report.problems.append(f"{request_id} was answered 200 but has no request row")
    for request_id in set(nets) - set(requests) - {None}:
        report.problems.append(f"ledger moved {nets[request_id]} for {request_id}, which has no request row")
    for req in requests.values():
        report.statuses[req.status] = report.statuses.get(req.status, 0) + 1
        net = nets.get(req.id, 0)
        if req.status == "COMPLETED" and net != -req.credits_charged:
            report.problems.append(f"{req.id} COMPLETED with net {net}, charged {req.credits_charged}")
        elif req.status in ("FAILED", "CANCELLED") and net != 0:
            report.problems.append(f"{req.id} {req.status} but not refunded (net {net})")
        elif req.status == "PENDING":
            report.problems.append(f"{req.id} still PENDING")


def run_drill(data_dir: Path, rounds: int, burst: int = 40, settle_timeout: float = 240.0) -> DrillReport:
    """``rounds`` kill-and-restart rounds; the first round's kill comes from the server itself,
    right after a commit (settings.fault_crash_stages "submit:committed"), so the window between
    charge and enqueue is hit at least once whatever the timing; later rounds SIGKILL from outside."""
    env = {
        "REELFORGE_SUBMISSION_RECOVERY_INTERVAL_S": str(RECOVERY_INTERVAL_S),
        "REELFORGE_MAX_PENDING_JOBS_PER_ACCOUNT": "0",
        "REELFORGE_RATE_LIMIT_BURST": str(burst * 4),
    }
    server = ReelforgeServer(data_dir, dict(env))
    db = Database(f"sqlite:///{(data_dir / 'reelforge.db').resolve()}")
    report = DrillReport()
    image_url = small_image_url()
    try:
        server.start()
        key = server.new_key(credits=1_000_000)
        for round_no in range(rounds):
            if round_no == 0:
                server.stop()
                server.env_overrides["REELFORGE_FAULT_CRASH_STAGES"] = '["submit:committed"]'
                server.start()
            answered = _burst(server, key, image_url, burst, report)
            if round_no == 0:
                server.proc.wait(30)  # type: ignore[union-attr]  # it kills itself after the first commit
            else:
                answered.wait(30)
                server.kill9()
            time.sleep(0.5)  # let the cut connections fail on the client side
            report.stranded_per_round.append(_stranded(db))
            server.env_overrides = dict(env)
            server.start()
        wait_for(lambda: _stranded(db) == 0, timeout=RECOVERY_INTERVAL_S * 10 + 30)
        wait_for(lambda: _count(db, Request.status == "PENDING") == 0, settle_timeout)
        _check_books(db, report)
    finally:
        server.stop()
        db.engine.dispose()
    return report
