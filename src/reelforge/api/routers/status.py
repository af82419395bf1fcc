"""``GET /v1/status``: one polling endpoint for every request type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from reelforge.api.deps import AppSecretHeader, AuthorizationHeader, ExternalKeyHeader, authenticate
from reelforge.api.prefer import PreferHeader, status_when_done
from reelforge.core import credentials, requests
from reelforge.core.errors import BadRequest
from reelforge.db.database import Database

router = APIRouter(prefix="/v1", tags=["status"])


@dataclass(frozen=True)
class StatusRead:
    """One poll of /v1/status or /v2/status: the credentials as sent (checked on every read), the request
    id under either name samsar-js uses, and ``Prefer: wait``."""

    db: Database
    authorization: str | None
    external_key: str | None
    app_secret: str | None
    request_id: str | None
    prefer: str | None

    async def body(self) -> dict[str, Any]:
        """The status body of a request the caller may see, once it has ended or the ``Prefer: wait`` ran
        out (api/prefer.py). Each read checks the credential and ownership again."""
        # The most-polled route: an account API key's check, ownership and stages in one worker-thread hop
        # and one database session (PrincipalDep would cost a hop and a session of its own). Other
        # credentials (auth tokens, app keys, external-user keys) take the general path.
        if self.external_key is None and not _other_credential(self.authorization):
            return await status_when_done(
                lambda: requests.owned_status(self.db, self.authorization, self.request_id), self.prefer
            )
        return await status_when_done(
            lambda: principal_status(self.db, self.authorization, self.external_key, self.app_secret, self.request_id),
            self.prefer,
        )


async def status_read(
    request: Request,
    authorization: AuthorizationHeader = None,
    external_key: ExternalKeyHeader = None,
    app_secret: AppSecretHeader = None,
    request_id: str | None = None,
    session_id: str | None = None,
    prefer: PreferHeader = None,
) -> StatusRead:
    # async: FastAPI runs a plain function dependency in a worker thread, a hop the hot path need not pay.
    return StatusRead(request.app.state.rt.db, authorization, external_key, app_secret, request_id or session_id,
                      prefer)


StatusReadDep = Annotated[StatusRead, Depends(status_read)]


@router.get("/status", summary="Status of any request (video or image)")
async def get_status(read: StatusReadDep) -> dict[str, Any]:
    return await read.body()


def _other_credential(authorization: str | None) -> bool:
    """Whether ``Authorization`` carries something other than an account API key."""
    if authorization is None:
        return False
    scheme, _, token = authorization.strip().partition(" ")
    return scheme.lower() == "appkey" or credentials.kind_of(token.strip()) is not None


def principal_status(db: Database, authorization: str | None, external_key: str | None, app_secret: str | None,
                     request_id: str | None) -> dict[str, Any]:
    """``GET /status`` for any principal (api/deps.py): an external user sees only its own requests."""
    principal = authenticate(db, authorization, external_key, app_secret)
    if not request_id:
        raise BadRequest("request_id is required.", field="request_id")
    return requests.status_body(db, requests.get_owned(db, principal.owner, request_id))
