"""FastAPI dependencies: the runtime, the caller (a :class:`Principal`: an account, or one external user
of it), the idempotency key, and :class:`JobCall` — how every job route hands its validated body to its
kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from reelforge.api.sync_jobs import answer_if_done_soon, answer_when_done
from reelforge.core import accounts, credentials, external_users, idempotency
from reelforge.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from reelforge.core.principals import Principal
from reelforge.db.database import Database
from reelforge.db.models import Account
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.base import JobKind, PrepareEnv
from reelforge.jobs.body import RequestBody
from reelforge.jobs.embeddings import ExternalUser as ExternalUserRef
from reelforge.jobs.embeddings import OwnedBody
from reelforge.jobs.media import StagedMedia
from reelforge.pipeline.inline import run_inline
from reelforge.pipeline.submit import Accepted, quote, submit
from reelforge.runtime import Runtime


def get_rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.rt
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


def _principal_of(db: Database, cred_account_id: str, cred_external_user_id: str | None, how: str,
                  cred_id: str | None) -> Principal:
    with db.session() as s:
        account = s.get(Account, cred_account_id)
    if account is None:
        raise Unauthorized("Invalid token.", field="Authorization")
    user = external_users.get(db, account.id, cred_external_user_id) if cred_external_user_id else None
    return Principal(account, user, how, cred_id)


def authenticate(db: Database, authorization: str | None, external_key: str | None = None,
                 app_secret: str | None = None) -> Principal:
    """Resolve the caller from ``Authorization`` (``Bearer <API key | auth token | external-user key>`` or
    ``AppKey <key>`` with ``x-app-secret``) and ``x-external-user-api-key``: 400 when no credential is sent,
    401 when one is unknown, expired or revoked."""
    principal: Principal | None = None
    if authorization and authorization.strip().lower().startswith("appkey "):
        cred = credentials.authenticate_app_key(db, authorization.strip()[7:].strip(), app_secret)
        principal = _principal_of(db, cred.account_id, cred.external_user_id, "app_key", cred.id)
    elif authorization or external_key is None:
        token = accounts.bearer_token(authorization)
        kind = credentials.kind_of(token)
        if kind is None:
            principal = Principal(accounts.authenticate(db, authorization))
        else:
            cred = credentials.authenticate(db, token)
            principal = _principal_of(db, cred.account_id, cred.external_user_id, cred.kind, cred.id)
    if external_key is not None:
        cred = credentials.authenticate(db, external_key.strip(), ("external_key",))
        scoped = _principal_of(db, cred.account_id, cred.external_user_id, "external_key", cred.id)
        # The header narrows a platform caller to one of its own external users; never widens or switches.
        if principal is not None and (principal.account_id != scoped.account_id or
                                      principal.external_user_id not in (None, scoped.external_user_id)):
            raise Unauthorized("x-external-user-api-key belongs to another account or user.",
                               field="x-external-user-api-key")
        principal = scoped
    assert principal is not None
    return principal


# The headers a caller authenticates with (routes that authenticate by hand, e.g. the status fast path).
AuthorizationHeader = Annotated[
    str | None, Header(description="Bearer <API key or auth token>, or AppKey <key>")
]
ExternalKeyHeader = Annotated[str | None, Header(alias="x-external-user-api-key")]
AppSecretHeader = Annotated[str | None, Header(alias="x-app-secret")]


def current_principal(
    rt: RuntimeDep,
    authorization: AuthorizationHeader = None,
    external_key: ExternalKeyHeader = None,
    app_secret: AppSecretHeader = None,
) -> Principal:
    return authenticate(rt.db, authorization, external_key, app_secret)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def current_account(principal: PrincipalDep) -> Account:
    """The caller's account, for routes whose answer does not depend on which external user asks."""
    return principal.account


AccountDep = Annotated[Account, Depends(current_account)]


def account_admin(principal: PrincipalDep) -> Account:
    """The caller's account, for routes that manage the account itself (its API keys, webhook secrets and
    deliveries): an external user's own credential may not."""
    if principal.external_user is not None:
        raise Forbidden("This credential belongs to an external user; the account's own API key is needed.",
                        field="Authorization")
    return principal.account


AccountAdminDep = Annotated[Account, Depends(account_admin)]


async def _external_user_data(request: Request) -> dict[str, Any] | None:
    """The identity a request names: the body's ``external_user`` (or the v2 flattened form), else the query's."""
    data: Any = None
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.headers.get("content-type", ""):
        raw = await request.body()  # cached: the route's body parsing reads the same bytes
        # Skip a second JSON parse of bodies that name no external user (image routes carry megabytes).
        if any(name in raw for name in (b"xternal_user", b"xternalUser", b"unique_key", b"uniqueKey")):
            try:
                data = json.loads(raw)
            except ValueError:
                data = None  # the route's own body validation answers the 400
    if isinstance(data, dict):
        nested = data.get("external_user", data.get("externalUser"))
        if isinstance(nested, dict):
            # samsar-js v2 sends an identity without provider flattened into the body, the provider nested.
            return nested if external_users.identity_from(nested) else {**data, **nested}
        if external_users.identity_from(data):
            return data  # samsar-js v2 flattens an identity without provider into the body (withV2ExternalUser)
    query = dict(request.query_params)
    return query if external_users.identity_from(query) else None


async def acting_principal(request: Request, rt: RuntimeDep, principal: PrincipalDep) -> Principal:
    """The caller narrowed to the external user the request names (created on first use). A platform key
    may act for any of its account's external users; an external user's own credential only for itself,
    and needs to name nobody."""
    ident = external_users.identity_from(await _external_user_data(request))
    if ident is None:
        return principal
    user = await run_in_threadpool(external_users.resolve, rt.db, principal.account_id, ident,
                                   create=principal.external_user is None)
    if principal.external_user is not None and user.id != principal.external_user_id:
        raise NotFound("No such external user.", field="external_user")
    return principal.acting_for(user)


ActingDep = Annotated[Principal, Depends(acting_principal)]


def external_principal(principal: ActingDep) -> Principal:
    """:data:`ActingDep` that must end at an external user (``/v1/external_users/*`` routes that act)."""
    if principal.external_user is None:
        raise BadRequest("external_user (provider + external_user_id or unique_key) is required.",
                         field="external_user")
    return principal


ExternalDep = Annotated[Principal, Depends(external_principal)]


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> str | None:
    if key is not None and not key.strip():
        raise BadRequest("Idempotency-Key must not be empty.", field="Idempotency-Key")
    return key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


R = TypeVar("R")  # what a route makes of an accepted job (JSON, a stream, ...)


@dataclass
class JobCall:
    """One job request: who asks, on which route, under which idempotency key."""

    rt: Runtime
    principal: Principal
    request: Request
    key: str | None

    def prepare_env(self, media: StagedMedia) -> PrepareEnv:
        """What a kind's ``prepare`` sees of this caller: its account and, acting for one, its external user."""
        return PrepareEnv(self.rt, self.principal.account_id, media, self.principal.external_user_id)

    def answer(
        self,
        kind: JobKind[Any, Any],
        body: RequestBody,
        then: Callable[[Accepted], R],
        *,
        enqueue: bool = True,
        pause_before: list[str] | None = None,
    ) -> R | JSONResponse:
        """Prepare the body; a ``quote_only`` body is answered with its price there (nothing charged,
        kept or enqueued); otherwise submit it and answer with ``then``. The envelope (quote, webhook
        filter, metadata) is read here once for every job route, never by a kind."""
        media = StagedMedia(self.rt, self.principal.account_id)
        user = self.principal.external_user
        if user is not None and isinstance(body, OwnedBody):
            # Templates of an external user are keyed by their identity (search/engine.owner_key).
            body.external_user = ExternalUserRef(provider=user.provider or None, external_user_id=user.external_user_id)
        try:
            prepared = kind.prepare(body, self.prepare_env(media))
            if body.quote_only:
                return JSONResponse(quote(self.rt, self.principal, kind, prepared.job))
            if pause_before is not None:
                prepared.pause_before = pause_before
            accepted = submit(
                self.rt,
                self.principal,
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
        return self.answer(
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
        return self.answer(kind, body, lambda a: answer_when_done(self.rt, a, input_fields=input_fields))

    def run_now(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        """Like :meth:`submit_and_wait`, but the stages run in this process (``pipeline.inline``): for kinds
        whose work takes milliseconds, where a queue hop would be most of the answer's time."""

        def run(accepted: Accepted) -> JSONResponse:
            if accepted.request_id and "idempotent-replayed" not in accepted.headers:
                run_inline(self.rt, kind, accepted.request_id)
            return answer_when_done(self.rt, accepted, input_fields=())

        return self.answer(kind, body, run, enqueue=False)

    def submit_and_answer_if_done_soon(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        """Like :meth:`submit`; a job that finishes within ``inline_result_wait_s`` answers with
        its result (see ``api.sync_jobs.answer_if_done_soon``)."""
        return self.answer(
            kind, body, lambda a: answer_if_done_soon(self.rt, a, self.rt.settings.inline_result_wait_s)
        )

    async def submit_and_wait_async(self, kind: JobKind[Any, Any], body: RequestBody) -> JSONResponse:
        return await run_in_threadpool(self.submit_and_wait, kind, body)


def job_call(rt: RuntimeDep, principal: ActingDep, request: Request, key: IdempotencyKeyDep) -> JobCall:
    return JobCall(rt, principal, request, key)


def external_job_call(rt: RuntimeDep, principal: ExternalDep, request: Request, key: IdempotencyKeyDep) -> JobCall:
    return JobCall(rt, principal, request, key)


JobCallDep = Annotated[JobCall, Depends(job_call)]
ExternalJobCallDep = Annotated[JobCall, Depends(external_job_call)]

__all__ = ["AccountAdminDep", "AccountDep", "ActingDep", "ExternalDep", "ExternalJobCallDep", "IdempotencyKeyDep",
           "JobCallDep", "PrincipalDep", "RequestRow", "RuntimeDep"]
