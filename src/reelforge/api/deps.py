"""FastAPI dependencies: the runtime, the calling account, the idempotency key, and
:class:`JobCall` — how every job route hands its validated body to its kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from reelforge.api.sync_jobs import answer_if_done_soon, answer_when_done
from reelforge.core import accounts, idempotency
from reelforge.core.errors import BadRequest
from reelforge.db.models import Account
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.base import JobKind, PrepareEnv
from reelforge.jobs.body import RequestBody
from reelforge.jobs.media import StagedMedia
from reelforge.pipeline.inline import run_inline
from reelforge.pipeline.submit import Accepted, quote, submit
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

    def _answer(
        self,
        kind: JobKind[Any, Any],
        body: RequestBody,
        then: Callable[[Accepted], JSONResponse],
        *,
        enqueue: bool = True,
        pause_before: list[str] | None = None,
    ) -> JSONResponse:
        """Prepare the body; a ``quote_only`` body is answered with its price there (nothing charged,
        kept or enqueued); otherwise submit it and answer with ``then``. The envelope (quote, webhook
        filter, metadata) is read here once for every job route, never by a kind."""
        media = StagedMedia(self.rt, self.account.id)
        try:
            prepared = kind.prepare(body, PrepareEnv(self.rt, self.account.id, media))
            if body.quote_only:
                return JSONResponse(quote(self.rt, self.account, kind, prepared.job))
            if pause_before is not None:
                prepared.pause_before = pause_before
            accepted = submit(
                self.rt,
                self.account,
                kind,
                prepared,
                media.submission_id,
                webhook_url=body.webhook_url,
                idempotency_key=self.key,
                request_fingerprint=idempotency.fingerprint(self.request.url.path, body.fingerprint_payload()),
                enqueue=enqueue,
                webhook_events=list(body.webhook_events_filter) if body.webhook_events_filter is not None else None,
                metadata=body.metadata or None,  # none given: nothing to echo
            )
        finally:
            media.discard_unaccepted()  # a quote's media too: it was never accepted
        return then(accepted)

    def submit(
        self, kind: JobKind[Any, Any], body: RequestBody, *, pause_before: list[str] | None = None
    ) -> JSONResponse:
        """Prepare, charge, record and enqueue; answer with the accepted body and credit headers.
        ``pause_before``: a step request, held before those stages until ``process_next``."""
        return self._answer(
            kind,
            body,
            lambda a: JSONResponse(a.body, status_code=a.status_code, headers=a.headers),
            pause_before=pause_before,
        )

    def submit_and_wait(
        self,
        kind: JobKind[Any, Any],
        body: RequestBody,
        *,
        input_fields: tuple[str, ...] = ("image_url",),
    ) -> JSONResponse:
        """Like :meth:`submit`, then wait for the job and answer with its result (see ``api.sync_jobs``)."""
        return self._answer(kind, body, lambda a: answer_when_done(self.rt, a, input_fields=input_fields))

    def run_now(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        """Like :meth:`submit_and_wait`, but the stages run in this process (``pipeline.inline``): for kinds
        whose work takes milliseconds, where a queue hop would be most of the answer's time."""

        def run(accepted: Accepted) -> JSONResponse:
            if accepted.request_id and "idempotent-replayed" not in accepted.headers:
                run_inline(self.rt, kind, accepted.request_id)
            return answer_when_done(self.rt, accepted, input_fields=())

        return self._answer(kind, body, run, enqueue=False)

    def submit_and_answer_if_done_soon(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        """Like :meth:`submit`; a job that finishes within ``inline_result_wait_s`` answers with
        its result (see ``api.sync_jobs.answer_if_done_soon``)."""
        return self._answer(
            kind, body, lambda a: answer_if_done_soon(self.rt, a, self.rt.settings.inline_result_wait_s)
        )

    async def submit_and_wait_async(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        return await run_in_threadpool(self.submit_and_wait, kind, body)


def job_call(rt: RuntimeDep, account: AccountDep, request: Request, key: IdempotencyKeyDep) -> JobCall:
    return JobCall(rt, account, request, key)


JobCallDep = Annotated[JobCall, Depends(job_call)]

__all__ = ["AccountDep", "IdempotencyKeyDep", "JobCallDep", "RequestRow", "RuntimeDep"]
