"""Session operations: each clones completed sessions into a new one and re-runs only the
stages whose inputs the operation changes (the kinds in ``jobs/session_ops/``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.core import requests
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.session_ops.copies import ADD_SUBTITLES, CLONE, REMOVE_SUBTITLES
from reelforge.jobs.session_ops.footer import UPDATE_FOOTER_IMAGE, FooterUpdate
from reelforge.jobs.session_ops.join import JOIN_VIDEOS, Join
from reelforge.jobs.session_ops.outro import ADD_OUTRO_IMAGE, UPDATE_OUTRO_IMAGE, AddOutro, OutroUpdate
from reelforge.jobs.session_ops.translate import TRANSLATE, Translate

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
        JobRoute("/clone", CLONE, SessionRef, "Deep copy of a completed session with a fresh render (free)"),
        JobRoute("/remove_subtitles", REMOVE_SUBTITLES, SessionRef, "Clone a session without subtitles (free)"),
        JobRoute("/add_subtitles", ADD_SUBTITLES, SessionRef, "Clone a session with subtitles timed to its narration"),
        JobRoute(
            "/join_videos", JOIN_VIDEOS, Join, "Join completed sessions in order (2 credits/sec of the joined duration)"
        ),
    ],
)


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
