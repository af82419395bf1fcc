"""``/v1/image/*``: enhance, status and history. (More image routes join this router.)"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.prefer import PreferHeader, status_when_done
from reelforge.core import requests
from reelforge.jobs.image_enhance import IMAGE_ENHANCE, EnhanceRequest

router = APIRouter(prefix="/v1/image", tags=["image"])


add_job_routes(
    router,
    [
        JobRoute(
            "/enhance", IMAGE_ENHANCE, EnhanceRequest, "Upscale and denoise an image (45/75/90 credits for 1k/2k/4k)"
        )
    ],
)


@router.get("/status", summary="Status of one image request")
async def image_status(
    rt: RuntimeDep,
    principal: PrincipalDep,
    request_id: str | None = None,
    session_id: str | None = None,
    prefer: PreferHeader = None,
) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        return requests.status_body(rt.db, requests.get_owned(rt.db, principal.owner, request_id or session_id))

    return await status_when_done(read, prefer)


@router.get("/list", summary="Recent image requests of this account")
def image_list(
    rt: RuntimeDep, principal: PrincipalDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> dict[str, Any]:
    rows = requests.list_for(rt.db, principal.owner, "image", limit)
    return {
        "sessions": [
            {
                **requests.status_payload(r),
                "request_type": "API",
                "created_at": _iso(r.created_at),
                "updated_at": _iso(r.updated_at or r.created_at),
            }
            for r in rows
        ]
    }


def _iso(moment: datetime) -> str:
    """image-api.txt's timestamps: UTC, milliseconds, ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
