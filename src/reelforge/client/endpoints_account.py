"""Status and account endpoints as ``Call`` builders."""

from __future__ import annotations

from typing import Unpack

from reelforge.client import _call
from reelforge.client._call import Call, ReadOptions
from reelforge.client.models import Credits, CreditsLedger, RequestStatus


def get_status(request_id: str, /, **kwargs: Unpack[ReadOptions]) -> Call[RequestStatus]:
    """GET /v1/status: any request's status (stage progress while PENDING, the result once COMPLETED)."""
    rid = _call.require(request_id, "request_id")
    return _call.get("status", RequestStatus, {"request_id": rid, "session_id": rid}, kwargs)


def get_credits_balance(**kwargs: Unpack[ReadOptions]) -> Call[Credits]:
    """GET /v1/credits: the calling account's remaining credits."""
    return _call.get("credits", Credits, None, kwargs)


def get_credits_ledger(
    request_id: str | None = None, /, *, limit: int | None = None, **kwargs: Unpack[ReadOptions]
) -> Call[CreditsLedger]:
    """GET /v1/credits/ledger: grants, charges and refunds (optionally of one request)."""
    return _call.get("credits/ledger", CreditsLedger, {"request_id": request_id, "limit": limit}, kwargs)
