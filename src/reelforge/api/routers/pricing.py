"""``GET /v1/pricing``: the price table every charge is computed from (core/prices.json, with the
deployment's overrides), so clients can price requests themselves; ``quote_only`` on any paid route
prices one exactly."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reelforge.api.deps import RuntimeDep

router = APIRouter(prefix="/v1", tags=["platform"])


@router.get("/pricing", summary="The price table (credits)")
def pricing(rt: RuntimeDep) -> dict[str, Any]:
    return {"currency": "credits", **rt.prices.table}
