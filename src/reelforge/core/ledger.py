"""The credits ledger: append-only entries plus a cached balance, changed together atomically.

A charge is a single guarded ``UPDATE … SET balance = balance - n WHERE balance >= n``; the
database serialises concurrent updates of the row, so the balance can neither go negative nor
lose an update, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reelforge.core.errors import NotFound, PaymentRequired
from reelforge.db.database import Database
from reelforge.db.models import Account, LedgerEntry

Kind = Literal["grant", "charge", "refund", "adjustment"]


def post_in(s: Session, account_id: str, kind: Kind, amount: int, request_id: str | None = None, note: str = "") -> int:
    """Apply a signed ``amount`` inside an open session; returns the new balance.

    Negative amounts are refused (402) when they would take the balance below zero.
    """
    if kind == "charge" and amount > 0:
        amount = -amount
    stmt = update(Account).where(Account.id == account_id)
    if amount < 0:
        stmt = stmt.where(Account.balance >= -amount)
    result = s.execute(stmt.values(balance=Account.balance + amount).returning(Account.balance)).scalar_one_or_none()
    if result is None:
        if s.get(Account, account_id) is None:
            raise NotFound(f"account {account_id} does not exist", field="account_id")
        have = s.execute(select(Account.balance).where(Account.id == account_id)).scalar_one()
        raise PaymentRequired(
            f"Insufficient credits: this request costs {-amount} credits and the account has {have}.",
            extra={"creditsRequired": -amount, "remainingCredits": have},
        )
    s.add(
        LedgerEntry(
            account_id=account_id, kind=kind, amount=amount, balance_after=result, request_id=request_id, note=note
        )
    )
    return int(result)


def post(db: Database, account_id: str, kind: Kind, amount: int, request_id: str | None = None, note: str = "") -> int:
    with db.session() as s:
        return post_in(s, account_id, kind, amount, request_id, note)


def balance(db: Database, account_id: str) -> int:
    with db.session() as s:
        value = s.execute(select(Account.balance).where(Account.id == account_id)).scalar_one_or_none()
    if value is None:
        raise NotFound(f"account {account_id} does not exist", field="account_id")
    return int(value)


def entries(db: Database, account_id: str, request_id: str | None = None) -> list[LedgerEntry]:
    with db.session() as s:
        q = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
        if request_id:
            q = q.where(LedgerEntry.request_id == request_id)
        return list(s.execute(q.order_by(LedgerEntry.id)).scalars())


def net_for_request(s: Session, request_id: str) -> int:
    """What a request has cost so far (positive = charged), from the ledger itself."""
    rows = s.execute(select(LedgerEntry.amount).where(LedgerEntry.request_id == request_id)).scalars()
    return -sum(rows)


def balance_in(s: Session, account_id: str) -> int:
    value = s.execute(select(Account.balance).where(Account.id == account_id)).scalar_one_or_none()
    if value is None:
        raise NotFound(f"account {account_id} does not exist", field="account_id")
    return int(value)
