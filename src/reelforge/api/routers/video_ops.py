"""Session operations: each clones completed sessions into a new one and re-runs only the
stages whose inputs the operation changes (the kinds in ``jobs/session_ops/``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reelforge.api.deps import JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.core import ledger, requests
from reelforge.db.models import wire_time
from reelforge.jobs.media import StagedMedia
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.session_ops.copies import ADD_SUBTITLES, CLONE, REMOVE_SUBTITLES
from reelforge.jobs.session_ops.footer import UPDATE_FOOTER_IMAGE, FooterUpdate
from reelforge.jobs.session_ops.join import JOIN_VIDEOS, Join
from reelforge.jobs.session_ops.outro import ADD_OUTRO_IMAGE, UPDATE_OUTRO_IMAGE, AddOutro, OutroUpdate
from reelforge.jobs.session_ops.reroll import REROLL_LAYERS, RerollLayers
from reelforge.jobs.session_ops.retranslate import RETRANSLATE, Retranslate
from reelforge.jobs.session_ops.translate import TRANSLATE, Translate
from reelforge.pipeline import render_hold

router = APIRouter(prefix="/v1/video", tags=["video sessions"])


add_job_routes(
    router,
    [
        JobRoute(
            "/add_outro_image",
            ADD_OUTRO_IMAGE,
            AddOutro,
            "Clone a session and add or replace its outro image (50 credits)",
        ),
        JobRoute(
            "/update_outro_image",
            UPDATE_OUTRO_IMAGE,
            OutroUpdate,
            "Clone a session with a new outro image or a generated QR outro",
        ),
        JobRoute(
            "/update_footer_image",
            UPDATE_FOOTER_IMAGE,
            FooterUpdate,
            "Clone a session with a new footer CTA, or without footers",
        ),
        JobRoute(
            "/translate_video", TRANSLATE, Translate, "A new session narrated and subtitled in another language (2/s)"
        ),
        JobRoute(
            "/retranslate_video",
            RETRANSLATE,
            Retranslate,
            "Translate a translated session again from its source, in its language by default (2/s)",
        ),
        JobRoute("/clone", CLONE, SessionRef, "Deep copy of a completed session with a fresh render (free)"),
        JobRoute("/remove_subtitles", REMOVE_SUBTITLES, SessionRef, "Clone a session without subtitles (free)"),
        JobRoute("/add_subtitles", ADD_SUBTITLES, SessionRef, "Clone a session with subtitles timed to its narration"),
        JobRoute(
            "/join_videos", JOIN_VIDEOS, Join, "Join completed sessions in order (2 credits/sec of the joined duration)"
        ),
    ],
)


@router.post("/reroll-layers", summary="Clone a session with new pictures for chosen scene layers (or quote it)")
def reroll_layers(body: RerollLayers, call: JobCallDep) -> JSONResponse:
    if body.quote_only:
        # quote_only / dry_run, local to this route until every route table answers quotes (the
        # kind's own prepare and price give it, so a generic quote can take it over unchanged).
        media = StagedMedia(call.rt, call.principal.account_id)
        try:
            quote = REROLL_LAYERS.quote(body, call.prepare_env(media))
        finally:
            media.discard_unaccepted()
        remaining = ledger.balance(call.rt.db, call.principal.account_id, call.principal.external_user_id)
        return JSONResponse(quote, headers={"x-credits-charged": "0", "x-credits-remaining": str(remaining)})
    return call.submit(REROLL_LAYERS, body)


HOLD_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "The session is not a video generation, has ended, or its render started (or is not paused)"}
}


@router.post(
    "/pause_render",
    summary="Hold a queued or running generation before its final render (free)",
    responses=HOLD_RESPONSES,
)
def pause_render(body: SessionRef, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return render_hold.pause(rt, principal.owner, body.session_id)


@router.post("/resume_render", summary="Let a paused generation render (free)", responses=HOLD_RESPONSES)
def resume_render(body: SessionRef, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return render_hold.resume(rt, principal.owner, body.session_id)


@router.get("/list_completed_video_sessions", summary="The account's completed video sessions")
def list_completed_video_sessions(rt: RuntimeDep, principal: PrincipalDep, limit: int = 100) -> list[dict[str, Any]]:
    """A bare JSON array, as samsar-js expects (its readme iterates ``data`` directly)."""
    found = requests.list_for(rt.db, principal.owner, "video", min(max(limit, 1), 500))
    rows = [r for r in found if r.status == "COMPLETED"]
    return [
        {
            "session_id": r.id,
            "request_id": r.id,
            "result_url": r.result.get("result_url"),
            "result_language": r.result.get("result_language"),
            "langauge": r.result.get("result_language"),
            "has_subtitles": r.result.get("has_subtitles"),
            "duration": r.result.get("duration"),
            "aspect_ratio": r.result.get("aspect_ratio"),
            "case_type": r.case_type,
            "created_at": wire_time(r.created_at),
        }
        for r in rows
    ]


__all__ = ["router"]
