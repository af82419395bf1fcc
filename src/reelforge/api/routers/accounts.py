"""Account-level routes: the credits balance and ledger of the caller (an account, or an external user of
one, whose wallet is their own), the account's API keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from reelforge.api.deps import AccountAdminDep, PrincipalDep, RuntimeDep
from reelforge.core import accounts, ledger
from reelforge.db.models import ApiKey, wire_time

router = APIRouter(prefix="/v1", tags=["account"])
AuthorizationHeader = Annotated[str | None, Header(description="Bearer <API key>")]


@router.get("/credits", summary="Remaining credits of the caller (an external user's own balance for theirs)")
def credits(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    remaining = ledger.balance(rt.db, principal.account_id, principal.external_user_id)
    body: dict[str, Any] = {"credits": remaining, "remainingCredits": remaining, "account_id": principal.account_id}
    if principal.external_user is not None:
        body["external_user_id"] = principal.external_user.external_user_id
    return body


@router.get("/credits/ledger", summary="Ledger entries (grants, charges, refunds) of the caller")
def credits_ledger(
    rt: RuntimeDep,
    principal: PrincipalDep,
    request_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    rows = ledger.entries(rt.db, principal.account_id, request_id, principal.external_user_id)[-limit:]
    return {
        "entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "amount": e.amount,
                "balance_after": e.balance_after,
                "request_id": e.request_id,
                "note": e.note,
                "created_at": wire_time(e.created_at),
            }
            for e in rows
        ]
    }


def _key_body(key: ApiKey, calling_hash: str | None = None) -> dict[str, Any]:
    """A key as listed: never its hash or plaintext; ``current`` marks the key this call used."""
    return {
        "id": key.id,
        "prefix": key.prefix,
        "created_at": wire_time(key.created_at),
        "revoked_at": wire_time(key.revoked_at),
        "active": key.revoked_at is None,
        "current": calling_hash is not None and key.key_hash == calling_hash,
    }


def _calling_hash(authorization: str | None) -> str:
    return accounts.hash_key(accounts.bearer_token(authorization))


@router.get("/api_keys", summary="The calling account's API keys (prefixes and dates, never the keys)")
def list_api_keys(
    rt: RuntimeDep, account: AccountAdminDep, authorization: AuthorizationHeader = None
) -> dict[str, Any]:
    calling = _calling_hash(authorization)
    return {"keys": [_key_body(k, calling) for k in accounts.list_api_keys(rt.db, account.id)]}


@router.post("/api_keys", status_code=201, summary="A new API key for the calling account (shown once)")
def create_api_key(rt: RuntimeDep, account: AccountAdminDep) -> JSONResponse:
    new = accounts.create_api_key(rt.db, account.id)
    (row,) = [k for k in accounts.list_api_keys(rt.db, account.id) if k.id == new.key_id]
    return JSONResponse({**_key_body(row), "api_key": new.plaintext}, status_code=201)


@router.delete("/api_keys/{key_id}", summary="Revoke one of the calling account's API keys")
def revoke_api_key(
    key_id: str, rt: RuntimeDep, account: AccountAdminDep, authorization: AuthorizationHeader = None
) -> dict[str, Any]:
    return _key_body(accounts.revoke_api_key(rt.db, account.id, key_id), _calling_hash(authorization))
