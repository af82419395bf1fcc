"""Narratives of the media gateway (``/v2/external/narrative/*``) in samsar-js's shapes, a narrative
rendered as a video (``/v2/external/video/narrative_to_video``; polled on the video status routes), and
``/v2/video/regenerate_avatar`` (a session operation: new narrator avatar, changed spans re-rendered)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reelforge.api.deps import AccountDep, JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.routers.v2 import with_session_id
from reelforge.core import ledger, requests
from reelforge.core.errors import BadRequest
from reelforge.db.models import Request as RequestRow
from reelforge.db.models import wire_time
from reelforge.jobs.interactive import TEXT_TO_INTERACTIVE_VIDEO, InteractiveRequest
from reelforge.jobs.narrative import (
    BRANCHING_NARRATIVE,
    SINGLE_NARRATIVE,
    BranchingRequest,
    NarrativeJob,
    NarrativeRequest,
    narrative_id,
)
from reelforge.jobs.narrative_video import NARRATIVE_TO_VIDEO, NarrativeToVideoRequest
from reelforge.jobs.session_ops.avatar import REGENERATE_AVATAR, RegenerateAvatar
from reelforge.runtime import Runtime

router = APIRouter(prefix="/v2/external/narrative", tags=["v2 media gateway"])
sessions = APIRouter(prefix="/v2", tags=["v2"])

add_job_routes(sessions, [
    JobRoute("/video/regenerate_avatar", REGENERATE_AVATAR, RegenerateAvatar,
             "Clone a session with a new narrator avatar on its footers (free; changed spans re-rendered)",
             reshape=with_session_id),
    JobRoute("/external/video/narrative_to_video", NARRATIVE_TO_VIDEO, NarrativeToVideoRequest,
             "A completed narrative rendered by the text-to-video stages, its scenes said as written",
             aliases=("/external/video/narrative", "/external/narrative/to_video"), reshape=with_session_id),
    JobRoute("/text_to_interactive_video", TEXT_TO_INTERACTIVE_VIDEO, InteractiveRequest,
             "A branching narrative rendered as connected clips with choice points (one clip per node)",
             reshape=with_session_id),
])


@sessions.post("/text_to_interactive_video/session", summary="Reserve a draft id for an interactive video (free)")
def interactive_draft(account: AccountDep) -> dict[str, Any]:
    # Nothing is stored: the id becomes the request's when /v2/text_to_interactive_video is sent with it.
    draft = narrative_id()
    return {
        "request_id": draft, "session_id": draft, "sessionID": draft, "status": "DRAFT", "narrative_type": "branched",
        "defaults": {"duration": 30, "imageModel": "GPTIMAGE2", "videoModel": "RUNWAYML", "numLevels": 2,
                     "aspectRatio": "16:9"},
    }

STATUS_PATH = "/v2/external/narrative/status"
NARRATIVE_KINDS = (SINGLE_NARRATIVE.case_type, BRANCHING_NARRATIVE.case_type)


def narrative_body(rt: Runtime, req: RequestRow) -> dict[str, Any]:
    """A narrative request as samsar-js reads it (ExternalNarrativeStatusResponse)."""
    job = NarrativeJob.model_validate({k: v for k, v in req.input.items() if k in NarrativeJob.model_fields})
    branching = job.branching
    body: dict[str, Any] = {
        "request_id": req.id,
        "requestId": req.id,
        "request_type": "create_branching" if branching else "create_single",
        "narrative_type": "branched" if branching else "singular",
        "status": "PROCESSING" if req.status == "PENDING" and req.stages else req.status,
        "poll_url": f"{STATUS_PATH}?request_id={req.id}",
        "prompt": job.prompt,
        "duration": job.duration,
        "inference_model": job.inference_model,
        "video_model": job.video_model,
        "created_at": wire_time(req.created_at),
        "updated_at": wire_time(req.updated_at),
    }
    if branching:
        body.update(source_narrative_request_id=job.source_narrative_request_id, num_levels=job.num_levels)
    if req.status in ("COMPLETED", "FAILED", "CANCELLED"):
        remaining = ledger.balance(rt.db, req.account_id, req.external_user_id)
        usage = req.result.get("usage")
        body.update(
            creditsCharged=req.credits_charged,
            remainingCredits=remaining,
            billing={
                "pricing_multiplier": 1.5,
                "underlying_cost_usd": round(req.credits_charged / 1.5 / 100, 6),
                "underlying_credits": round(req.credits_charged / 1.5, 3),
                "credits_charged": req.credits_charged,
                "remaining_credits": remaining,
                "usage": usage,
            },
        )
    if req.status == "COMPLETED":
        body.update({k: v for k, v in req.result.items() if k != "usage"})
        body["provider"] = req.result["written_by"]["provider"]
        body["completed_at"] = wire_time(req.updated_at)
    elif req.status in ("FAILED", "CANCELLED"):
        message = req.error or ("Request was cancelled." if req.status == "CANCELLED" else "Generation failed.")
        body.update(status="FAILED", error={"message": message, "code": None, "status": 500},
                    failed_at=wire_time(req.updated_at))
    return body


def _accepted(rt: Runtime, answer: JSONResponse) -> JSONResponse:
    """202 with the pending request in samsar-js's shape (a quote or an error passes through)."""
    if answer.status_code != 200:
        return answer
    sent = json.loads(bytes(answer.body))
    if sent.get("quote_only"):
        return answer
    body = {**sent, **narrative_body(rt, requests.get(rt.db, sent["request_id"])), "status": "PENDING"}
    return JSONResponse(body, status_code=202)


@router.post("/create_single", status_code=202, summary="A narrative script from a prompt, by the language model")
def create_single(body: NarrativeRequest, call: JobCallDep) -> JSONResponse:
    return _accepted(call.rt, call.submit(SINGLE_NARRATIVE, body))


@router.post("/create_branching", status_code=202,
             summary="A binary tree of choices grown from a completed singular narrative")
def create_branching(body: BranchingRequest, call: JobCallDep) -> JSONResponse:
    return _accepted(call.rt, call.submit(BRANCHING_NARRATIVE, body))


@router.get("/status", summary="Status of a narrative request (its script once completed)")
def narrative_status(rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None) -> dict[str, Any]:
    req = requests.get_owned(rt.db, principal.owner, request_id)
    if req.case_type not in NARRATIVE_KINDS:
        raise BadRequest(f"{req.id} is not a narrative request; see GET /v2/status.", field="request_id")
    if req.status == "PENDING":
        req.stages = requests.live_stages(rt.db, req)
    return narrative_body(rt, req)
