"""``GET /v1/requests/{id}/events`` (and ``/v2/...``): a request's progress log as server-sent events.

Each event's SSE id is its number in the log (core/events.py); a client that reconnects with
``Last-Event-ID: n`` gets exactly the events after n, so a dropped connection misses nothing and
repeats nothing. The stream ends after the terminal event (completed, failed or cancelled). Only the
request's owner may read it: the account, or the external user it was made for (404 otherwise, as for
status)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.core import events, requests
from reelforge.core.errors import BadRequest
from reelforge.db.database import Database

POLL_S = 0.25  # how often an open stream looks for new events
STATUS_CHECK_S = 5.0  # how often a quiet stream checks the request ended without a terminal event (older requests)
PING_S = 15  # comment lines that keep proxies from closing a quiet stream

router = APIRouter(prefix="/v1", tags=["status"])
v2 = APIRouter(prefix="/v2", tags=["status"])


def _resume_after(header: str | None, query: int | None) -> int:
    raw = header if header is not None else (str(query) if query is not None else "0")
    try:
        seq = int(raw.strip() or "0")
    except ValueError:
        raise BadRequest("Last-Event-ID must be an event id (a whole number).", field="Last-Event-ID") from None
    if seq < 0:
        raise BadRequest("Last-Event-ID must not be negative.", field="Last-Event-ID")
    return seq


async def _stream(db: Database, request_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
    quiet_for = 0.0
    while True:
        batch = await run_in_threadpool(events.after, db, request_id, after)
        for event in batch:
            after = event.seq
            yield ServerSentEvent(data=json.dumps(events.wire(event), separators=(",", ":")), id=str(event.seq),
                                  event=event.type)
            if event.type in events.TERMINAL_EVENTS:
                return
        if batch:
            quiet_for = 0.0
            continue
        quiet_for += POLL_S
        if quiet_for >= STATUS_CHECK_S:
            quiet_for = 0.0
            req = await run_in_threadpool(requests.get, db, request_id)
            if req.status in requests.TERMINAL:  # ended before this log existed: nothing more will come
                return
        await asyncio.sleep(POLL_S)


async def request_events(
    request_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", description="resume after this event")] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id (for clients without headers)")]
    = None,
) -> EventSourceResponse:
    """The request's events: accepted, queued (``queue_position``), stage_started, progress
    (``stage_percent``, ``detail``), stage_finished (``preview_url``), completed / failed / cancelled;
    each with the request's ``percent`` and, where measurable, ``eta_s``."""
    seq = _resume_after(last_event_id, after)
    await run_in_threadpool(requests.get_owned, rt.db, principal.owner, request_id)
    return EventSourceResponse(_stream(rt.db, request_id, seq), ping=PING_S)


router.add_api_route("/requests/{request_id}/events", request_events, methods=["GET"],
                     summary="Progress events of a request (server-sent events, Last-Event-ID resume)",
                     response_class=EventSourceResponse)
v2.add_api_route("/requests/{request_id}/events", request_events, methods=["GET"],
                 summary="Progress events of a request (server-sent events, Last-Event-ID resume)",
                 response_class=EventSourceResponse)
