"""Account-level routes: the credits balance and ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from reelforge.api.deps import AccountDep, RuntimeDep
from reelforge.core import ledger

router = APIRouter(prefix="/v1", tags=["account"])


@router.get("/credits", summary="Remaining credits of the calling account")
def credits(rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    remaining = ledger.balance(rt.db, account.id)
    return {"credits": remaining, "remainingCredits": remaining, "account_id": account.id}


@router.get("/credits/ledger", summary="Ledger entries (grants, charges, refunds) of the calling account")
def credits_ledger(
    rt: RuntimeDep,
    account: AccountDep,
    request_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    rows = ledger.entries(rt.db, account.id, request_id)[-limit:]
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
