"""Account-level routes: the credits balance and ledger of the caller (an account, or an external user of
one, whose wallet is their own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.core import ledger

router = APIRouter(prefix="/v1", tags=["account"])


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
                "created_at": e.created_at.isoformat() + "Z",
            }
            for e in rows
        ]
    }
