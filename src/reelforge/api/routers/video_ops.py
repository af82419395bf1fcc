"""Session operations: each clones completed sessions into a new one and re-runs only the
stages whose inputs the operation changes (the kinds in ``jobs/session_ops/``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reelforge.api.deps import JobCallDep, PrincipalDep, RuntimeDep
from reelforge.core import requests
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.session_ops.copies import ADD_SUBTITLES, CLONE, REMOVE_SUBTITLES
from reelforge.jobs.session_ops.footer import UPDATE_FOOTER_IMAGE, FooterUpdate
from reelforge.jobs.session_ops.join import JOIN_VIDEOS, Join
from reelforge.jobs.session_ops.outro import ADD_OUTRO_IMAGE, UPDATE_OUTRO_IMAGE, AddOutro, OutroUpdate
from reelforge.jobs.session_ops.translate import TRANSLATE, Translate

router = APIRouter(prefix="/v1/video", tags=["video sessions"])


@router.post("/add_outro_image", summary="Clone a session and add or replace its outro image (50 credits)")
def add_outro_image(body: AddOutro, call: JobCallDep) -> JSONResponse:
    return call.submit(ADD_OUTRO_IMAGE, body)


@router.post("/update_outro_image", summary="Clone a session with a new outro image or a generated QR outro")
def update_outro_image(body: OutroUpdate, call: JobCallDep) -> JSONResponse:
    return call.submit(UPDATE_OUTRO_IMAGE, body)


@router.post("/update_footer_image", summary="Clone a session with a new footer CTA, or without footers")
def update_footer_image(body: FooterUpdate, call: JobCallDep) -> JSONResponse:
    return call.submit(UPDATE_FOOTER_IMAGE, body)


@router.post("/translate_video", summary="A new session narrated and subtitled in another language (2/s)")
def translate_video(body: Translate, call: JobCallDep) -> JSONResponse:
    return call.submit(TRANSLATE, body)


@router.post("/clone", summary="Deep copy of a completed session with a fresh render (free)")
def clone(body: SessionRef, call: JobCallDep) -> JSONResponse:
    return call.submit(CLONE, body)


@router.post("/remove_subtitles", summary="Clone a session without subtitles (free)")
def remove_subtitles(body: SessionRef, call: JobCallDep) -> JSONResponse:
    return call.submit(REMOVE_SUBTITLES, body)


@router.post("/add_subtitles", summary="Clone a session with subtitles timed to its narration")
def add_subtitles(body: SessionRef, call: JobCallDep) -> JSONResponse:
    return call.submit(ADD_SUBTITLES, body)


@router.post("/join_videos", summary="Join completed sessions in order (2 credits/sec of the joined duration)")
def join_videos(body: Join, call: JobCallDep) -> JSONResponse:
    return call.submit(JOIN_VIDEOS, body)


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
            "created_at": r.created_at.isoformat() + "Z",
        }
        for r in rows
    ]


__all__ = ["router"]
