"""Auto-recharge: when a charge takes a wallet below its threshold, record one recharge payment — once per
crossing (the ``armed`` flag, cleared by a guarded update so concurrent charges cannot both fire, set again
when the balance is back at or above the threshold) and never past the monthly cap.

Runs inside the ledger's transaction (``ledger.post_in`` calls :func:`after_post`), so a refused charge
fires nothing. The payment is ``pending`` like any recharge: the offline provider's operator confirms it;
charging a saved Stripe payment method off-session is not implemented (see docs/platform.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reelforge.core.ids import new_id
from reelforge.db.models import AutoRecharge, Payment, utcnow, wire_time

CREDITS_PER_USD = 100


def wallet_row(s: Session, account_id: str, external_user_id: str | None) -> AutoRecharge | None:
    which = (AutoRecharge.external_user_id.is_(None) if external_user_id is None
             else AutoRecharge.external_user_id == external_user_id)
    return s.execute(select(AutoRecharge).where(AutoRecharge.account_id == account_id, which)).scalar_one_or_none()


def after_post(s: Session, account_id: str, external_user_id: str | None, amount: int, balance: int) -> None:
    row = wallet_row(s, account_id, external_user_id)
    if row is None or not row.enabled:
        return
    if amount > 0 and not row.armed and balance >= row.threshold_credits:
        s.execute(update(AutoRecharge).where(AutoRecharge.id == row.id).values(armed=True))
    elif amount < 0 and row.armed and balance < row.threshold_credits:
        _fire(s, row, balance)


def _fire(s: Session, row: AutoRecharge, balance: int) -> None:
    disarmed: int = s.execute(  # type: ignore[attr-defined]
        update(AutoRecharge).where(AutoRecharge.id == row.id, AutoRecharge.armed.is_(True)).values(armed=False)
    ).rowcount
    if disarmed != 1:
        return  # a concurrent charge fired for this crossing
    month_start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    which = (Payment.external_user_id.is_(None) if row.external_user_id is None
             else Payment.external_user_id == row.external_user_id)
    spent = s.execute(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.account_id == row.account_id, which, Payment.kind == "auto_recharge",
            Payment.status != "failed", Payment.created_at >= month_start)
    ).scalar_one()
    cents = row.amount_usd * 100
    run: dict[str, Any] = {"balance": balance, "maxMonthlyUsd": row.max_monthly_usd,
                           "monthlyTotalUsd": int(spent) / 100, "at": wire_time(utcnow())}
    if int(spent) + cents > row.max_monthly_usd * 100:
        run.update(status="skipped", reason="monthly cap reached")
    else:
        payment_id = new_id("pay", 8)
        s.add(Payment(id=payment_id, account_id=row.account_id, external_user_id=row.external_user_id,
                      provider=row.provider, kind="auto_recharge", credits=row.amount_usd * CREDITS_PER_USD,
                      amount_cents=cents, currency="usd", status="pending"))
        run.update(status="pending", payment_id=payment_id, creditsToAdd=row.amount_usd * CREDITS_PER_USD,
                   monthlyTotalUsd=(int(spent) + cents) / 100)
    s.execute(update(AutoRecharge).where(AutoRecharge.id == row.id).values(last_run=run))


def configure(s: Session, account_id: str, external_user_id: str | None, provider: str, **values: Any) -> AutoRecharge:
    """Create or update the wallet's settings (``enabled``, ``threshold_credits``, ``amount_usd``,
    ``max_monthly_usd``); re-arms it."""
    row = wallet_row(s, account_id, external_user_id)
    if row is None:
        row = AutoRecharge(account_id=account_id, external_user_id=external_user_id, provider=provider,
                           threshold_credits=0, amount_usd=0, max_monthly_usd=0, armed=True, last_run={})
        s.add(row)
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    row.provider, row.armed = provider, True
    s.flush()
    return row
