"""``/v1/image/*``: enhance, status and history. (More image routes join this router.)"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from reelforge.api.deps import AccountDep, IdempotencyKeyDep, RuntimeDep, accept
from reelforge.api.schemas import RequestBody
from reelforge.core import requests
from reelforge.imaging.enhance import nearest_aspect_ratio
from reelforge.pipeline.submit import JobSpec
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image

router = APIRouter(prefix="/v1/image", tags=["image"])


def echo_url(url: str) -> str:
    """The URL as responses repeat it: data: URLs are summarised instead of echoed back whole."""
    if url.startswith("data:"):
        return f"{url.split(',', 1)[0]},… ({len(url)} chars)"
    return url


class EnhanceRequest(RequestBody):
    image_url: str = Field(..., min_length=1, max_length=50_000_000, description="http(s) or data: URL")
    resolution: Literal["1k", "2k", "4k"] = "1k"

    @field_validator("resolution", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


@router.post("/enhance", summary="Upscale and denoise an image (45/75/90 credits for 1k/2k/4k)")
def enhance_image(
    body: EnhanceRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    data, img = fetch_image(body.image_url, rt.fetch_policy, "image_url")
    input_key = content_key("inputs", data, ".img")
    spec = JobSpec(
        type="image",
        case_type="image_enhance",
        id_prefix="img_enh",
        price=rt.prices.route("image_enhance", body.resolution),
        plan=[["image_enhance"]],
        input={"input_key": input_key, "resolution": body.resolution, "image_url": echo_url(body.image_url)},
        response_extra={
            "image_url": echo_url(body.image_url),
            "resolution": body.resolution.upper(),
            "aspect_ratio": nearest_aspect_ratio(img.width, img.height),
        },
        blobs={input_key: data},
    )
    return accept(rt, account, request, body, spec, key)


@router.get("/status", summary="Status of one image request")
def image_status(
    rt: RuntimeDep, account: AccountDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    req = requests.get_owned(rt.db, account.id, request_id or session_id)
    return requests.status_body(rt.db, req)


@router.get("/list", summary="Recent image requests of this account")
def image_list(rt: RuntimeDep, account: AccountDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    rows = requests.list_for(rt.db, account.id, "image", limit)
    return {
        "sessions": [
            {**requests.status_payload(r), "request_type": "API", "created_at": r.created_at.isoformat() + "Z"}
            for r in rows
        ]
    }
