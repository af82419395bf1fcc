"""pause_render / resume_render (the open-source Samsar processor's routes): hold a queued or
running generation before its final render, and let it go on.

No mechanism of their own: a pause is the engine's hold (``core.requests.hold_before``, the
stage recorded PAUSED, honoured by ``engine.begin_group``) and a resume is ``engine.process_next``,
as for v2 step mode. A paused request is still PENDING, so ``cancel_render`` cancels and refunds it.
"""

from __future__ import annotations

from typing import Any

from reelforge.core import requests
from reelforge.core.errors import Conflict
from reelforge.core.principals import Owner
from reelforge.db.models import Request
from reelforge.jobs import catalog
from reelforge.pipeline import engine
from reelforge.runtime import Runtime

FIELD = "videoSessionId"


def _hold_stage(rt: Runtime, owner: Owner, session_id: str, verb: str) -> tuple[Request, str]:
    req = requests.get_owned(rt.db, owner, session_id, field=FIELD)
    stage = catalog.kind(req.case_type).hold_stage
    if stage is None:
        raise Conflict(
            f"{verb.capitalize()} is only supported for video generations (text_to_video, image_list_to_video); "
            f"{session_id} is a {req.case_type} request.",
            field=FIELD,
        )
    if req.status != "PENDING":
        raise Conflict(f"Cannot {verb} a {req.status.lower()} render.", field=FIELD)
    return req, stage


def _body(req: Request, status: str, paused: bool, message: str, rt: Runtime) -> dict[str, Any]:
    stages = requests.live_stages(rt.db, requests.get(rt.db, req.id))
    return {
        "request_id": req.id,
        "session_id": req.id,
        "status": status,
        "paused": paused,
        "expressGenerationPaused": paused,
        "expressGenerationPending": not paused,
        "expressGenerationStatus": stages,
        "message": message,
    }


def pause(rt: Runtime, owner: Owner, session_id: str) -> dict[str, Any]:
    """Hold the generation before its render; pausing a paused one again is harmless."""
    req, stage = _hold_stage(rt, owner, session_id, "pause")
    refused = requests.hold_before(rt.db, req.id, stage, rt.settings.executor_id)
    if refused == "ended":
        raise Conflict(f"Cannot pause a {requests.get(rt.db, req.id).status.lower()} render.", field=FIELD)
    if refused == "started":
        raise Conflict(
            f"The render of {req.id} has already started (or was resumed); cancel_render stops it.", field=FIELD
        )
    return _body(req, requests.PAUSED, True, "Render paused.", rt)


def resume(rt: Runtime, owner: Owner, session_id: str) -> dict[str, Any]:
    """Release a paused generation (it renders at once if it was waiting, else when it gets there)."""
    req, stage = _hold_stage(rt, owner, session_id, "resume")
    if requests.live_stages(rt.db, req).get(stage) != requests.PAUSED:
        raise Conflict(f"{req.id} is not paused.", field=FIELD)
    engine.process_next(req.id, [stage])  # free: the request was charged once, when it was accepted
    return _body(req, "PENDING", False, "Render resumed.", rt)
