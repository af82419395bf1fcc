"""Buying credits: payments behind a provider interface, confirmed exactly once.

``OfflinePayments`` (the default) needs no payment company: a recharge is recorded ``pending`` and an operator
confirms it (``reelforge credits confirm``, or the admin route) once the money arrived however it does.
``StripePayments`` sells credits through Stripe Checkout with the official ``stripe`` library and is confirmed
by Stripe's signed ``checkout.session.completed`` webhook, verified with ``stripe.Webhook.construct_event``.

Either way :func:`confirm` grants the credits: a guarded ``pending → succeeded`` transition and the ledger
grant in one transaction, so a replayed webhook or a second confirm grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update

from reelforge.core import ledger
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.ids import new_id
from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import Payment, utcnow, wire_time
from reelforge.settings import Settings

CREDITS_PER_USD = 100  # samsar-js: "Business rule: 1 USD = 100 credits"
MAX_CREDITS = 10_000_000


@dataclass(frozen=True)
class Checkout:
    url: str
    ref: str  # the provider's id of the checkout (a Stripe Checkout Session id)


class PaymentProvider(Protocol):
    name: str

    def checkout(self, payment: Payment, return_url: str, email: str | None = None) -> Checkout:
        """Where the buyer pays for ``payment`` (``email``: the buyer's, when the caller gave one)."""


class OfflinePayments:
    """No payment company: the "checkout" is the payment's status page; an operator confirms it."""

    name = "offline"

    def __init__(self, public_base_url: str) -> None:
        self.base = public_base_url.rstrip("/")

    def checkout(self, payment: Payment, return_url: str, email: str | None = None) -> Checkout:
        return Checkout(f"{self.base}/v1/payment_status?checkoutSessionId={payment.id}", payment.id)


class StripePayments:
    """Stripe Checkout (mode ``payment``) for one-off recharges."""

    name = "stripe"

    def __init__(self, api_key: str, currency: str) -> None:
        self.api_key = api_key
        self.currency = currency

    def checkout(self, payment: Payment, return_url: str, email: str | None = None) -> Checkout:
        import stripe
        from stripe.params.checkout import SessionCreateParams

        params: SessionCreateParams = {
            "api_key": self.api_key,
            "mode": "payment",
            "client_reference_id": payment.id,
            "metadata": {"payment_id": payment.id},
            "line_items": [{
                "quantity": 1,
                "price_data": {"currency": self.currency, "unit_amount": payment.amount_cents,
                               "product_data": {"name": f"{payment.credits} reelforge credits"}},
            }],
            "success_url": return_url,
            "cancel_url": return_url,
        }
        if email:
            params["customer_email"] = email  # pre-filled on the page; Stripe sends the receipt there
        session = stripe.checkout.Session.create(**params)
        return Checkout(str(session.url), str(session.id))


def provider_for(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "stripe":
        if not settings.stripe_api_key:
            raise BadRequest("Payments are set to Stripe but REELFORGE_STRIPE_API_KEY is not set.", field="provider")
        return StripePayments(settings.stripe_api_key, settings.payment_currency)
    return OfflinePayments(settings.public_base_url)


def create_recharge(db: Database, settings: Settings, owner: Owner, credits: int, return_url: str | None = None,
                    *, kind: str = "recharge", email: str | None = None) -> Payment:
    """A pending purchase of ``credits`` for the owner's wallet, with its checkout."""
    if not 0 < credits <= MAX_CREDITS:
        raise BadRequest(f"credits must be between 1 and {MAX_CREDITS}.", field="credits")
    provider = provider_for(settings)
    payment = Payment(
        id=new_id("pay", 8), account_id=owner.account_id, external_user_id=owner.external_user_id,
        provider=provider.name, kind=kind, credits=credits, amount_cents=credits * 100 // CREDITS_PER_USD,
        currency=settings.payment_currency, status="pending",
    )
    checkout = provider.checkout(payment, return_url or f"{settings.public_base_url.rstrip('/')}/v1/payment_status",
                                 email)
    payment.provider_ref, payment.checkout_url = checkout.ref, checkout.url
    with db.session() as s:
        s.add(payment)
    return payment


def confirm(db: Database, payment_id: str | None = None, *, provider_ref: str | None = None) -> bool:
    """Mark a pending payment succeeded and grant its credits, once: False when it was already settled."""
    where = Payment.id == payment_id if payment_id else Payment.provider_ref == provider_ref
    with db.session() as s:
        row = s.execute(select(Payment).where(where)).scalar_one_or_none()
        if row is None:
            raise NotFound("No such payment.", field="payment_id")
        changed: int = s.execute(  # type: ignore[attr-defined]
            update(Payment).where(Payment.id == row.id, Payment.status == "pending")
            .values(status="succeeded", completed_at=utcnow())
        ).rowcount
        if changed != 1:
            return False
        ledger.post_in(s, row.account_id, "grant", row.credits, note=f"payment {row.id} ({row.provider})",
                       external_user_id=row.external_user_id)
        return True


def fail(db: Database, payment_id: str) -> bool:
    with db.session() as s:
        changed: int = s.execute(  # type: ignore[attr-defined]
            update(Payment).where(Payment.id == payment_id, Payment.status == "pending")
            .values(status="failed", completed_at=utcnow())
        ).rowcount
    return changed == 1


def handle_stripe_webhook(db: Database, settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify a Stripe webhook with the library's own helper (a forged or stale signature is a 400) and settle
    the payment a completed, paid Checkout Session names. Replays answer 200 and grant nothing."""
    import stripe

    if not settings.stripe_webhook_secret:
        raise NotFound("Stripe webhooks are not configured.", field="stripe-signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", settings.stripe_webhook_secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadRequest(f"Invalid Stripe webhook: {exc}", field="stripe-signature") from exc
    obj = event.data.object  # a StripeObject: attribute access, not a dict
    session_id = str(getattr(obj, "id", ""))
    if event.type == "checkout.session.completed" and getattr(obj, "payment_status", None) == "paid":
        try:
            return {"received": True, "granted": confirm(db, provider_ref=session_id)}
        except NotFound:  # not one of ours (a shared Stripe account): acknowledged, so Stripe stops retrying
            return {"received": True, "granted": False, "unknown": True}
    if event.type in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        with db.session() as s:
            row = s.execute(select(Payment).where(Payment.provider_ref == session_id)).scalar_one_or_none()
        return {"received": True, "failed": fail(db, row.id) if row else False}
    return {"received": True}


def find(db: Database, owner: Owner, ref: str) -> Payment:
    """The owner's payment by our id or the provider's checkout id; 404 for anyone else's."""
    with db.session() as s:
        row = s.execute(select(Payment).where((Payment.id == ref) | (Payment.provider_ref == ref))).scalar()
    if row is None or not owner.owns(row.account_id, row.external_user_id):
        raise NotFound("No such payment.", field="checkoutSessionId")
    return row


def status_body(row: Payment) -> dict[str, Any]:
    """samsar-js ``PaymentStatusResponse``."""
    return {
        "status": row.status, "mode": "payment", "checkoutSessionId": row.provider_ref,
        "paymentStatus": {"succeeded": "paid", "pending": "unpaid", "failed": "failed"}[row.status],
        "paymentIntentId": None, "amountCents": row.amount_cents, "currency": row.currency,
        "credits": row.credits, "provider": row.provider, "kind": row.kind, "external_payment_id": row.id,
        "created_at": wire_time(row.created_at), "completed_at": wire_time(row.completed_at),
    }
