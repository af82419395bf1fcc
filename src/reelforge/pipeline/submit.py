"""Accepting a request of some kind of work: one transaction charges credits, records the request
and the idempotent response; then inputs are stored and the workflow is enqueued.

Nothing is stored or enqueued when the charge is refused (402), and a replayed
``Idempotency-Key`` returns the first response without touching the ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reelforge.core import idempotency, ledger, quotas, requests
from reelforge.core.ids import new_id
from reelforge.core.principals import Principal
from reelforge.db.models import Request
from reelforge.jobs.base import InputT, JobKind, Prepared
from reelforge.pipeline import engine
from reelforge.runtime import Runtime
from reelforge.storage.fetch import check_target

log = logging.getLogger("reelforge.submit")


@dataclass(frozen=True)
class Accepted:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]
    request_id: str | None


def credit_headers(charged: int, remaining: int) -> dict[str, str]:
    return {"x-credits-charged": str(charged), "x-credits-remaining": str(remaining)}


def submit(
    rt: Runtime,
    principal: Principal,
    kind: JobKind[Any, InputT],
    prepared: Prepared[InputT],
    blobs: dict[str, bytes],
    *,
    webhook_url: str | None,
    idempotency_key: str | None,
    request_fingerprint: str,
    enqueue: bool = True,
) -> Accepted:
    """Charge ``kind.price`` of the prepared input, record the request with its plan, store
    ``blobs`` (blob key -> bytes) and enqueue it (``enqueue=False``: the caller runs it at once,
    ``pipeline.inline``). The charge goes to the principal's wallet: the account's, or its external user's,
    whose requests carry ``extreq_`` ids (the README's external request ids)."""
    job = prepared.job
    plan = [[stage.name for stage in group] for group in kind.plan(job)]
    price = kind.price(job, rt.prices)
    if webhook_url:  # the body's check judged IP literals; a host name is judged by what it resolves to
        check_target(webhook_url, rt.webhook_policy, "webhookUrl")
    account_id, user_id = principal.account_id, principal.external_user_id
    # Idempotency keys are the caller's own: two external users of an account may pick the same one.
    key_scope = f"{account_id}:{user_id}" if user_id else account_id
    if idempotency_key:
        replay = idempotency.claim(rt.db, key_scope, idempotency_key, request_fingerprint)
        if replay is not None:
            return Accepted(
                replay.status_code,
                replay.body,
                {**replay.headers, "idempotent-replayed": "true"},
                replay.body.get("request_id"),
            )
    request_id = prepared.request_id or new_id(f"extreq_{kind.id_prefix}" if user_id else kind.id_prefix)
    try:
        with rt.db.session() as s:
            quotas.ensure_pending_capacity(s, account_id, rt.settings.max_pending_jobs_per_account)
            remaining = (
                ledger.post_in(s, account_id, "charge", price, request_id, kind.case_type, user_id)
                if price
                else ledger.balance_in(s, account_id, user_id)
            )
            s.add(
                Request(
                    id=request_id,
                    account_id=account_id,
                    external_user_id=user_id,
                    type=kind.media_type,
                    case_type=kind.case_type,
                    provider=kind.provider(job),
                    session_id=request_id,
                    input={**job.model_dump(mode="json"), "plan": plan},
                    stages={name: "PENDING" for group in plan for name in group},
                    credits_charged=price,
                    webhook_url=webhook_url,
                )
            )
            body = {
                "status": "queued",
                "request_id": request_id,
                "session_id": request_id,
                "global_status_id": request_id,
                "case_type": kind.case_type,
                **prepared.response_extra,
                "creditsCharged": price,
                "remainingCredits": remaining,
            }
            headers = credit_headers(price, remaining)
            if idempotency_key:
                idempotency.record_in(s, key_scope, idempotency_key, 200, body, headers)
    except Exception:
        if idempotency_key:
            idempotency.release(rt.db, key_scope, idempotency_key)
        raise
    try:
        for key, data in blobs.items():
            rt.blobs.put_bytes(key, data)
        if enqueue:
            engine.enqueue(request_id)
    except Exception as exc:
        log.exception("could not start %s", request_id)
        requests.fail(rt.db, request_id, f"Could not start the job: {exc.__class__.__name__}")
        raise
    return Accepted(200, body, headers, request_id)
