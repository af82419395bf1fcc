"""Accepting a request of some kind of work, crash-safe.

The request's media was stored (and journalled) while it was prepared (jobs/media.py). Then one
transaction charges credits, records the request with ``enqueued_at`` NULL — its durable intent
to run — records the idempotent response and takes the media out of the journal. Only then is
the workflow enqueued, which sets ``enqueued_at``. A process killed anywhere in between leaves
either nothing (no commit: the recoverer deletes the journalled media) or an accepted request
that the submission recoverer (pipeline/recovery.py) enqueues; never a charged request without
a run. A replayed ``Idempotency-Key`` returns the first response without touching the ledger,
and resumes the first request if it is still waiting to be enqueued.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from reelforge.core import events, idempotency, ledger, quotas, staged_inputs
from reelforge.core.ids import new_id
from reelforge.core.principals import Principal
from reelforge.db.models import Request
from reelforge.jobs.base import InputT, JobKind, Prepared
from reelforge.pipeline import engine, recovery
from reelforge.runtime import Runtime
from reelforge.storage.fetch import check_target

log = logging.getLogger("reelforge.submit")

# A fault point for crash drills (settings.fault_crash_stages): die between commit and enqueue.
CRASH_AFTER_COMMIT = "submit:committed"


@dataclass(frozen=True)
class Accepted:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]
    request_id: str | None


def credit_headers(charged: int, remaining: int) -> dict[str, str]:
    return {"x-credits-charged": str(charged), "x-credits-remaining": str(remaining)}


def quote(rt: Runtime, principal: Principal, kind: JobKind[Any, InputT], job: InputT) -> dict[str, Any]:
    """What :func:`submit` would charge for ``job`` (``quote_only``) to the principal's wallet, and nothing
    else done."""
    price = kind.price(job, rt.prices)
    balance = ledger.balance(rt.db, principal.account_id, principal.external_user_id)
    return {
        "status": "quote",
        "quote_only": True,
        "case_type": kind.case_type,
        "credits": price,
        "breakdown": kind.price_breakdown(job, rt.prices),
        "stages": [[stage.name for stage in group] for group in kind.plan(job)],
        "creditsCharged": 0,
        "remainingCredits": balance,
        "sufficient": balance >= price,
    }


def submit(
    rt: Runtime,
    principal: Principal,
    kind: JobKind[Any, InputT],
    prepared: Prepared[InputT],
    submission_id: str,
    *,
    webhook_url: str | None,
    idempotency_key: str | None,
    request_fingerprint: str,
    enqueue: bool = True,
    webhook_events: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Accepted:
    """Charge ``kind.price`` of the prepared input, record the request with its plan (adopting the
    media staged under ``submission_id``) and enqueue it (``enqueue=False``: the caller runs it at
    once, ``pipeline.inline``; the recoverer still enqueues it if that caller dies first). The charge
    goes to the principal's wallet: the account's, or its external user's, whose requests carry
    ``extreq_`` ids (the README's external request ids)."""
    job = prepared.job
    plan = [[stage.name for stage in group] for group in kind.plan(job)]
    engine_input: dict[str, Any] = {"plan": plan}
    if prepared.pause_before is not None:
        # Only stages this plan runs can be paused before (step clients name stages of other pipelines too).
        planned = {name for group in plan for name in group}
        engine_input["pause_before"] = [name for name in prepared.pause_before if name in planned]
    price = kind.price(job, rt.prices)
    if webhook_url:  # the body's check judged IP literals; a host name is judged by what it resolves to
        check_target(webhook_url, rt.webhook_policy, "webhookUrl")
    account_id, user_id = principal.account_id, principal.external_user_id
    # Idempotency keys are the caller's own: two external users of an account may pick the same one.
    key_scope = f"{account_id}:{user_id}" if user_id else account_id
    claimed: idempotency.Claim | None = None
    if idempotency_key:
        claim = idempotency.claim(rt.db, key_scope, idempotency_key, request_fingerprint)
        if isinstance(claim, idempotency.Replay):
            replayed_id = claim.body.get("request_id")
            if isinstance(replayed_id, str):
                recovery.resume(rt, replayed_id, engine.enqueue)
            return Accepted(
                claim.status_code, claim.body, {**claim.headers, "idempotent-replayed": "true"}, replayed_id
            )
        claimed = claim
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
                    input={**job.model_dump(mode="json"), **engine_input},
                    stages={name: "PENDING" for group in plan for name in group},
                    credits_charged=price,
                    webhook_url=webhook_url,
                    webhook_events=webhook_events,
                    client_metadata=metadata,
                    enqueued_at=None,
                )
            )
            staged_inputs.accept_in(s, submission_id)
            s.flush()
            events.append_in(s, request_id, "accepted", {"status": "queued", "case_type": kind.case_type,
                                                          "stages": plan, "credits": price})
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
            if claimed:
                idempotency.record_in(s, key_scope, claimed, 200, body, headers)
    except Exception:
        if claimed:
            idempotency.release(rt.db, key_scope, claimed)
        raise
    if CRASH_AFTER_COMMIT in rt.settings.fault_crash_stages:
        log.warning("fault injection: crashing the process after committing %s", request_id)
        os._exit(137)
    try:
        if enqueue:
            engine.enqueue(request_id, may_pause=bool(engine_input.get("pause_before")) or kind.hold_stage is not None)
    except Exception:
        # Accepted all the same: the request is committed with its intent to run, and the
        # recoverer enqueues it on its next pass (or a replay of its Idempotency-Key does).
        log.exception("could not enqueue %s now; the submission recoverer will", request_id)
    return Accepted(200, body, headers, request_id)
