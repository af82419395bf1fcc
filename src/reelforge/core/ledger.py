"""The credits ledger: append-only entries plus a cached balance, changed together atomically.

A charge is a single guarded ``UPDATE … SET balance = balance - n WHERE balance >= n``; the
database serialises concurrent updates of the row, so the balance can neither go negative nor
lose an update, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from reelforge.core import autorecharge
from reelforge.core.errors import NotFound, PaymentRequired
from reelforge.db.database import Database
from reelforge.db.models import Account, ExternalUser, LedgerEntry

Kind = Literal["grant", "charge", "refund", "adjustment"]


def _wallet(account_id: str, external_user_id: str | None) -> tuple[type[Account] | type[ExternalUser], Any]:
    """Whose balance moves: the external user's own wallet when one is named, else the account's."""
    if external_user_id is None:
        return Account, Account.id == account_id
    return ExternalUser, (ExternalUser.id == external_user_id) & (ExternalUser.account_id == account_id)


def post_in(
    s: Session,
    account_id: str,
    kind: Kind,
    amount: int,
    request_id: str | None = None,
    note: str = "",
    external_user_id: str | None = None,
) -> int:
    """Apply a signed ``amount`` to the account's (or one external user's) balance inside an open session;
    returns the new balance.

    Negative amounts are refused (402) when they would take the balance below zero.
    """
    if kind == "charge" and amount > 0:
        amount = -amount
    table, which = _wallet(account_id, external_user_id)
    stmt = update(table).where(which)
    if amount < 0:
        stmt = stmt.where(table.balance >= -amount)
    result = s.execute(stmt.values(balance=table.balance + amount).returning(table.balance)).scalar_one_or_none()
    if result is None:
        have = s.execute(select(table.balance).where(which)).scalar_one_or_none()
        if have is None:
            raise NotFound(f"account {account_id} does not exist", field="account_id")
        owner = "external user" if external_user_id else "account"
        raise PaymentRequired(
            f"Insufficient credits: this request costs {-amount} credits and the {owner} has {have}.",
            extra={"creditsRequired": -amount, "remainingCredits": have},
        )
    s.add(
        LedgerEntry(
            account_id=account_id, kind=kind, amount=amount, balance_after=result, request_id=request_id, note=note,
            external_user_id=external_user_id,
        )
    )
    autorecharge.after_post(s, account_id, external_user_id, amount, int(result))
    return int(result)


def post(db: Database, account_id: str, kind: Kind, amount: int, request_id: str | None = None, note: str = "",
         external_user_id: str | None = None) -> int:
    """:func:`post_in` in a transaction of its own."""
    with db.session() as s:
        return post_in(s, account_id, kind, amount, request_id, note, external_user_id)


def balance(db: Database, account_id: str, external_user_id: str | None = None) -> int:
    with db.session() as s:
        return balance_in(s, account_id, external_user_id)


def entries(
    db: Database, account_id: str, request_id: str | None = None, external_user_id: str | None = None
) -> list[LedgerEntry]:
    """The account's own entries, or one external user's."""
    q = _of_wallet(account_id, external_user_id)
    if request_id:
        q = q.where(LedgerEntry.request_id == request_id)
    with db.session() as s:
        return list(s.execute(q.order_by(LedgerEntry.id)).scalars())


def _of_wallet(account_id: str, external_user_id: str | None) -> Select[LedgerEntry]:
    return select(LedgerEntry).where(
        LedgerEntry.account_id == account_id, LedgerEntry.external_user_id.is_(None)
        if external_user_id is None else LedgerEntry.external_user_id == external_user_id
    )


def page(db: Database, account_id: str, external_user_id: str | None, offset: int, limit: int
         ) -> tuple[list[LedgerEntry], int]:
    """One page of a wallet's entries, newest first, and how many there are in all."""
    q = _of_wallet(account_id, external_user_id)
    with db.session() as s:
        total = s.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = list(s.execute(q.order_by(LedgerEntry.id.desc()).offset(offset).limit(limit)).scalars())
    return rows, int(total)


def net_for_request(s: Session, request_id: str) -> int:
    """What a request has cost so far (positive = charged), from the ledger itself."""
    rows = s.execute(select(LedgerEntry.amount).where(LedgerEntry.request_id == request_id)).scalars()
    return -sum(rows)


def balance_in(s: Session, account_id: str, external_user_id: str | None = None) -> int:
    table, which = _wallet(account_id, external_user_id)
    value = s.execute(select(table.balance).where(which)).scalar_one_or_none()
    if value is None:
        raise NotFound(f"account {account_id} does not exist", field="account_id")
    return int(value)
