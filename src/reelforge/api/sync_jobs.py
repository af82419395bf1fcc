"""Synchronous answers backed by the job engine.

Some routes answer with their result rather than a request id (receipt templates, receipt
queries, image titles). They still go through :func:`pipeline.submit.submit` — so the charge, the 402, the
``Idempotency-Key`` replay, the request history and the refund on failure are the platform's —
and then wait for the job to finish. The heavy work (OCR) runs on the workers, not in the API
process; an API-only process without workers answers 202 with the request id after the wait.
"""

from __future__ import annotations

import re
import time

from fastapi.responses import JSONResponse

from reelforge.core import requests
from reelforge.core.errors import ApiError, BadRequest
from reelforge.db.models import Request as RequestRow
from reelforge.pipeline.submit import Accepted, credit_headers
from reelforge.runtime import Runtime

_POLL_S = 0.1
# Stages report input problems as "<field>: <message>" (e.g. "image_url: no text could be read").
_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.]*): (.+)$", re.S)


class ProcessingFailed(ApiError):
    status_code = 500
    code = "processing_failed"


def wait_terminal(rt: Runtime, request_id: str, timeout_s: float) -> RequestRow:
    """The request once it left PENDING, or as it is when ``timeout_s`` ran out."""
    deadline = time.monotonic() + timeout_s
    while True:
        row = requests.get(rt.db, request_id)
        if row.status in requests.TERMINAL or time.monotonic() >= deadline:
            return row
        time.sleep(_POLL_S)


def failure_error(row: RequestRow, input_fields: tuple[str, ...]) -> ApiError:
    """The error a failed synchronous job answers with: 400 naming the field when the stage
    blamed one of the request's inputs, else 500. Its charge has already been refunded."""
    message = row.error or "Processing failed."
    extra = {"request_id": row.id, "creditsCharged": 0}
    found = _FIELD_PREFIX.match(message)
    if found and found.group(1) in input_fields:
        return BadRequest(message, field=found.group(1), extra=extra)
    return ProcessingFailed(message, extra=extra)


def answer_if_done_soon(rt: Runtime, accepted: Accepted, wait_s: float) -> JSONResponse:
    """Routes whose documented answer is the finished result but which stay pollable (roll-up
    banners): wait up to ``wait_s``; a job done by then answers ``status: "completed"`` with its
    result fields merged into the accepted body, otherwise the accepted (``queued``) body."""
    request_id = str(accepted.body["request_id"])
    row = wait_terminal(rt, request_id, wait_s)
    if row.status == "PENDING":
        return JSONResponse(accepted.body, status_code=accepted.status_code, headers=accepted.headers)
    if row.status != "COMPLETED":
        raise failure_error(row, ())
    answer = {**accepted.body, **row.result, "status": "completed"}
    return JSONResponse(answer, status_code=accepted.status_code, headers=accepted.headers)


def answer_when_done(
    rt: Runtime,
    accepted: Accepted,
    *,
    input_fields: tuple[str, ...] = ("image_url",),
) -> JSONResponse:
    """Wait for an accepted job and answer with its result plus ``creditsCharged`` /
    ``remainingCredits`` and the ``x-credits-*`` headers. A replayed ``Idempotency-Key`` answers
    from the same request."""
    request_id = str(accepted.body["request_id"])
    row = wait_terminal(rt, request_id, rt.settings.sync_wait_s)
    if row.status == "PENDING":
        return JSONResponse(accepted.body, status_code=202, headers=accepted.headers)
    if row.status != "COMPLETED":
        raise failure_error(row, input_fields)
    charged = int(accepted.body.get("creditsCharged", 0))
    remaining = int(accepted.body.get("remainingCredits", 0))
    if row.credits_charged != charged and "idempotent-replayed" not in accepted.headers:
        # The job settled its charge to what it processed (e.g. pages crawled): report the settled figures.
        remaining, charged = remaining + charged - row.credits_charged, row.credits_charged
    headers = credit_headers(charged, remaining)
    if "idempotent-replayed" in accepted.headers:
        headers["idempotent-replayed"] = "true"
    answer = {**row.result, "request_id": request_id, "creditsCharged": charged, "remainingCredits": remaining}
    return JSONResponse(answer, headers=headers)
