"""``GET /v1/status``: one polling endpoint for every request type."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from reelforge.api.prefer import status_when_done
from reelforge.core import requests

router = APIRouter(prefix="/v1", tags=["status"])


@router.get("/status", summary="Status of any request (video or image)")
async def get_status(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    request_id: str | None = None,
    session_id: str | None = None,
    prefer: Annotated[str | None, Header(description="wait=N: wait up to N seconds (max 60) for the end")] = None,
) -> dict[str, Any]:
    # The most-polled route: key check, ownership and stages in one worker-thread hop and one
    # database session (AccountDep would cost a hop and a session of its own).
    db = request.app.state.rt.db
    return await status_when_done(lambda: requests.owned_status(db, authorization, request_id or session_id), prefer)
