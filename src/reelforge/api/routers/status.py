"""``GET /v1/status``: one polling endpoint for every request type."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reelforge.api.deps import AccountDep, RuntimeDep
from reelforge.core import requests

router = APIRouter(prefix="/v1", tags=["status"])


@router.get("/status", summary="Status of any request (video or image)")
def get_status(
    rt: RuntimeDep, account: AccountDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    req = requests.get_owned(rt.db, account.id, request_id or session_id)
    return requests.status_body(rt.db, req)
