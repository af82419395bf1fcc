"""FastAPI dependencies: the runtime, the calling account, the idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from reelforge.api.schemas import RequestBody
from reelforge.core import accounts, idempotency
from reelforge.core.errors import BadRequest
from reelforge.db.models import Account
from reelforge.pipeline.submit import JobSpec, submit
from reelforge.runtime import Runtime


def get_rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


def current_account(
    rt: RuntimeDep,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
) -> Account:
    return accounts.authenticate(rt.db, authorization)


AccountDep = Annotated[Account, Depends(current_account)]


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> str | None:
    if key is not None and not key.strip():
        raise BadRequest("Idempotency-Key must not be empty.", field="Idempotency-Key")
    return key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


def accept(
    rt: Runtime, account: Account, request: Request, body: RequestBody, spec: JobSpec, key: str | None
) -> JSONResponse:
    """Charge, record and enqueue a job; answer with the accepted body and credit headers."""
    spec.webhook_url = spec.webhook_url or body.webhook_url
    fp = idempotency.fingerprint(request.url.path, body.fingerprint_payload())
    accepted = submit(rt, account, spec, key, fp)
    return JSONResponse(accepted.body, status_code=accepted.status_code, headers=accepted.headers)
