"""FastAPI dependencies: the runtime, the calling account, the idempotency key, and
:class:`JobCall` — how every job route hands its validated body to its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from reelforge.api.sync_jobs import answer_when_done
from reelforge.core import accounts, idempotency
from reelforge.core.errors import BadRequest
from reelforge.db.models import Account
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.base import JobKind, PrepareEnv
from reelforge.jobs.body import RequestBody
from reelforge.jobs.media import StagedMedia
from reelforge.pipeline.submit import Accepted, submit
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


@dataclass
class JobCall:
    """One job request: who asks, on which route, under which idempotency key."""

    rt: Runtime
    account: Account
    request: Request
    key: str | None

    def accept(self, kind: JobKind[Any, Any], body: RequestBody, *, enqueue: bool = True) -> Accepted:
        """Prepare, charge and record (and, unless ``enqueue=False``, enqueue) one request."""
        media = StagedMedia(self.rt)
        prepared = kind.prepare(body, PrepareEnv(self.rt, self.account.id, media))
        return submit(
            self.rt,
            self.account,
            kind,
            prepared,
            media.blobs,
            webhook_url=body.webhook_url,
            idempotency_key=self.key,
            request_fingerprint=idempotency.fingerprint(self.request.url.path, body.fingerprint_payload()),
            enqueue=enqueue,
        )

    def submit(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        """Prepare, charge, record and enqueue; answer with the accepted body and credit headers."""
        accepted = self.accept(kind, body)
        return JSONResponse(accepted.body, status_code=accepted.status_code, headers=accepted.headers)

    def submit_and_wait(
        self,
        kind: JobKind[Any, Any],
        body: RequestBody,
        *,
        input_fields: tuple[str, ...] = ("image_url",),
    ) -> JSONResponse:
        """Like :meth:`submit`, then wait for the job and answer with its result (see ``api.sync_jobs``)."""
        return answer_when_done(self.rt, self.accept(kind, body), input_fields=input_fields)

    async def submit_and_wait_async(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        return await run_in_threadpool(self.submit_and_wait, kind, body)


def job_call(rt: RuntimeDep, account: AccountDep, request: Request, key: IdempotencyKeyDep) -> JobCall:
    return JobCall(rt, account, request, key)


JobCallDep = Annotated[JobCall, Depends(job_call)]

__all__ = ["AccountDep", "IdempotencyKeyDep", "JobCallDep", "RequestRow", "RuntimeDep"]
