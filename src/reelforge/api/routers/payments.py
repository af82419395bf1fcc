"""Buying credits (core/payments.py) on samsar-js's paths: recharges, their status, auto-recharge, the Stripe
webhook, and the operator's confirmation of offline payments."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field, field_validator

from reelforge.api.deps import ActingDep, ExternalDep, RuntimeDep
from reelforge.core import autorecharge, payments
from reelforge.core.errors import BadRequest, NotFound, Unauthorized
from reelforge.core.principals import Principal
from reelforge.jobs.body import RequestBody, aliases
from reelforge.runtime import Runtime

router = APIRouter(tags=["payments"])


class RechargeBody(RequestBody):
    credits: int = Field(..., gt=0, le=payments.MAX_CREDITS, validation_alias=aliases(
        "credits", "credits_to_recharge", "creditsToRecharge"))
    redirect_url: str | None = Field(None, max_length=2048, validation_alias=aliases("redirect_url", "redirectUrl"))


def _recharge(rt: Runtime, principal: Principal, credits: int, redirect_url: str | None,
              email: str | None = None) -> dict[str, Any]:
    row = payments.create_recharge(rt.db, rt.settings, principal.owner, credits, redirect_url, email=email)
    return {"url": row.checkout_url, "checkoutSessionId": row.provider_ref, "paymentIntentId": None,
            "paymentStatusEndpoint": f"/v1/payment_status?checkoutSessionId={row.provider_ref}",
            "credits": row.credits, "amountUsd": row.amount_cents / 100, "amountCents": row.amount_cents,
            "currency": row.currency, "external_payment_id": row.id, "status": row.status}


@router.post("/v1/credits/recharge", summary="A checkout for buying credits (1 USD = 100 credits)")
@router.post("/v2/credits/recharge", summary="Alias of /v1/credits/recharge")
def recharge(body: RechargeBody, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    return _recharge(rt, principal, body.credits, body.redirect_url)


@router.post("/v1/external_users/credits/recharge", summary="A checkout for an external user's credits")
def external_recharge(body: RechargeBody, rt: RuntimeDep, principal: ExternalDep) -> dict[str, Any]:
    return _recharge(rt, principal, body.credits, body.redirect_url)


class UserRechargeBody(RequestBody):
    """samsar-js ``createV2UserRechargeCredits``: a dollar amount, the buyer's email and where the checkout returns."""

    amount: float = Field(..., gt=0, le=payments.MAX_CREDITS / payments.CREDITS_PER_USD,
                          description="US dollars (1 USD = 100 credits), in whole cents")
    email: str = Field(..., max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                       description="The buyer's email: Stripe Checkout pre-fills it and sends the receipt there")
    redirect_url: str = Field(..., max_length=2048, pattern=r"^https?://[^\s]+$",
                              validation_alias=aliases("redirect_url", "redirectUrl"))

    @field_validator("amount")
    @classmethod
    def _whole_cents(cls, value: float) -> float:
        if abs(value * 100 - round(value * 100)) > 1e-6:
            raise ValueError("amount must be in whole cents")
        return value


@router.post("/v2/user/recharge_credits", summary="A checkout for buying credits by the dollar (1 USD = 100 "
             "credits) for the calling account or external user")
def user_recharge_credits(body: UserRechargeBody, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    # Hosted Samsar also takes this call without a credential and makes the buyer an account; reelforge
    # has no self-service sign-up (an operator creates accounts), so the caller's own wallet is recharged.
    credits = round(body.amount * payments.CREDITS_PER_USD)
    answer = _recharge(rt, principal, credits, body.redirect_url, email=body.email)
    ref = answer["checkoutSessionId"]
    return {**answer, "amount": body.amount, "email": body.email, "redirectUrl": body.redirect_url,
            "paymentStatusEndpoint": f"/v2/user/payment_status?checkoutSessionId={ref}"}


def _status(rt: Runtime, principal: Principal, ref: str | None) -> dict[str, Any]:
    if not ref:
        raise BadRequest("checkoutSessionId is required.", field="checkoutSessionId")
    return payments.status_body(payments.find(rt.db, principal.owner, ref))


@router.get("/v1/payment_status", summary="State of a recharge: pending, succeeded or failed")
@router.get("/v2/payment_status", summary="Alias of /v1/payment_status")
@router.get("/v2/user/payment_status", summary="Alias of /v1/payment_status (samsar-js getV2UserPaymentStatus)")
def payment_status(rt: RuntimeDep, principal: ActingDep, checkoutSessionId: str | None = None,  # noqa: N803
                   external_payment_id: str | None = None) -> dict[str, Any]:
    return _status(rt, principal, checkoutSessionId or external_payment_id)


@router.get("/v1/external_users/payment_status", summary="State of an external user's recharge")
def external_payment_status(rt: RuntimeDep, principal: ActingDep, checkoutSessionId: str | None = None,  # noqa: N803
                            external_payment_id: str | None = None) -> dict[str, Any]:
    return _status(rt, principal, external_payment_id or checkoutSessionId)


class AutoRechargeBody(RequestBody):
    threshold_credits: int | None = Field(None, ge=0, le=payments.MAX_CREDITS, validation_alias=aliases(
        "thresholdCredits", "threshold_credits"))
    amount_usd: int | None = Field(None, gt=0, le=10_000, validation_alias=aliases("amountUsd", "amount_usd"))
    max_monthly_usd: int | None = Field(None, gt=0, le=100_000, validation_alias=aliases(
        "maxMonthlyUsd", "max_monthly_usd"))
    enabled: bool = True


def _auto_body(rt: Runtime, principal: Principal, body: AutoRechargeBody, require_all: bool) -> dict[str, Any]:
    with rt.db.session() as s:
        existing = autorecharge.wallet_row(s, principal.account_id, principal.external_user_id)
        if existing is None and (require_all or body.amount_usd is None or body.threshold_credits is None):
            if not require_all:
                raise NotFound("Auto-recharge is not enabled; call /v1/enable_autorecharge first.",
                               field="thresholdCredits")
            missing = [n for n in ("threshold_credits", "amount_usd") if getattr(body, n) is None]
            if missing:
                raise BadRequest(f"{missing[0]} is required.", field=missing[0])
        row = autorecharge.configure(
            s, principal.account_id, principal.external_user_id, rt.settings.payment_provider,
            enabled=body.enabled, threshold_credits=body.threshold_credits, amount_usd=body.amount_usd,
            max_monthly_usd=body.max_monthly_usd if body.max_monthly_usd is not None
            else (None if existing else (body.amount_usd or 0) * 4),
        )
        return {"autoRechargeEnabled": row.enabled, "autoRechargeThreshold": row.threshold_credits,
                "autoRechargeAmountUsd": row.amount_usd, "autoRechargeMaxMonthlyUsd": row.max_monthly_usd,
                "autoRechargeRun": row.last_run or None, "hasPaymentMethod": row.provider == "offline",
                "provider": row.provider}


@router.post("/v1/enable_autorecharge", summary="Auto-recharge: threshold, amount (USD) and monthly cap (USD)")
def enable_autorecharge(body: AutoRechargeBody, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    return _auto_body(rt, principal, body, require_all=True)


@router.post("/v1/auto_recharge/threshold", summary="Change the auto-recharge threshold")
def auto_recharge_threshold(body: AutoRechargeBody, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    if body.threshold_credits is None:
        raise BadRequest("thresholdCredits is required.", field="thresholdCredits")
    return _auto_body(rt, principal, body, require_all=False)


@router.post("/v1/payments/stripe/webhook", summary="Stripe's signed events (checkout.session.completed grants "
             "the credits once)")
async def stripe_webhook(request: Request, rt: RuntimeDep,
                         stripe_signature: Annotated[str | None, Header(alias="stripe-signature")] = None
                         ) -> dict[str, Any]:
    payload = await request.body()  # the raw bytes: the signature covers them exactly
    return await run_in_threadpool(payments.handle_stripe_webhook, rt.db, rt.settings, payload, stripe_signature)


class ConfirmBody(RequestBody):
    payment_id: str = Field(..., min_length=1, max_length=255, validation_alias=aliases(
        "payment_id", "paymentId", "checkoutSessionId"))


@router.post("/v1/admin/payments/confirm", summary="Operator: confirm an offline payment (grants its credits once)")
def admin_confirm(body: ConfirmBody, rt: RuntimeDep,
                  authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    token = rt.settings.admin_token
    sent = (authorization or "").strip().partition(" ")[2].strip()
    if not token:
        raise NotFound("Admin routes are off: set REELFORGE_ADMIN_TOKEN.", field="Authorization")
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Unauthorized("Invalid admin token.", field="Authorization")
    granted = payments.confirm(rt.db, body.payment_id)
    return {"payment_id": body.payment_id, "granted": granted}
