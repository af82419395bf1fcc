"""The calling account's webhook signing secret (create or rotate it, shown once; list it) and the
delivery attempts of its webhooks."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from reelforge.api.deps import AccountAdminDep, PrincipalDep, RuntimeDep
from reelforge.core import webhook_attempts, webhook_secrets
from reelforge.db.models import wire_time

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _meta(info: webhook_secrets.SecretInfo) -> dict[str, Any]:
    return {"id": info.id, "prefix": info.prefix, "created_at": wire_time(info.created_at),
            "expires_at": wire_time(info.expires_at)}


@router.post("/secret", summary="Create or rotate the account's webhook signing secret (shown only in this answer)")
def rotate_secret(
    rt: RuntimeDep,
    account: AccountAdminDep,
    overlap_seconds: Annotated[
        int | None,
        Query(ge=0, le=7 * 24 * 3600, description="How long the previous secrets keep signing (default: settings)."),
    ] = None,
) -> dict[str, Any]:
    overlap = rt.settings.webhook_secret_overlap_s if overlap_seconds is None else overlap_seconds
    info, secret = webhook_secrets.rotate(rt.db, rt.settings, account.id, timedelta(seconds=overlap))
    return {**_meta(info), "secret": secret, "signing": [_meta(i) for i in webhook_secrets.listed(rt.db, account.id)]}


@router.get("/secret", summary="The account's webhook secrets that still sign (metadata, never the secrets)")
def secret_metadata(rt: RuntimeDep, account: AccountAdminDep) -> dict[str, Any]:
    signing = webhook_secrets.listed(rt.db, account.id)
    return {"deployment_default": not signing, "signing": [_meta(i) for i in signing]}


@router.get("/attempts", summary="Delivery attempts of the caller's webhooks (an external user's own), newest first")
def list_webhook_attempts(
    rt: RuntimeDep,
    principal: PrincipalDep,
    request_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    rows = webhook_attempts.for_owner(rt.db, principal.owner, limit, request_id)
    return {
        "attempts": [
            {
                "id": a.id,
                "request_id": a.request_id,
                "event_id": a.event_id,
                "url": a.url,
                "attempt": a.attempt,
                "status_code": a.status_code,
                "delivered": a.status_code is not None and 200 <= a.status_code < 300,
                "error": a.error,
                "created_at": wire_time(a.created_at),
            }
            for a in rows
        ]
    }
