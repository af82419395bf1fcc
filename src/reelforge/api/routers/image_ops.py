"""``/v1/image/*`` beyond enhance: branding removal, image sets, titles, receipt templates and
roll-up banners.

Every route validates its body and hands it to its kind (``jobs/``), which fetches the images
before any money moves (400 naming the field, nothing charged). Most answer with a request id to
poll; the ones the spec answers synchronously (titles, receipts) wait for their job
(:mod:`api.sync_jobs`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from reelforge.api.deps import JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import SYNC_JOB_RESPONSES, JobRoute, add_job_routes
from reelforge.core import receipt_templates
from reelforge.core.errors import BadRequest, PayloadTooLarge
from reelforge.imaging.errors import validation_issues
from reelforge.jobs.image_branding import REMOVE_BRANDING, RemoveBrandingRequest
from reelforge.jobs.image_set import IMAGE_SET, ImageSetRequest
from reelforge.jobs.image_title import ASSIGN_TITLE, AssignTitleRequest, metadata_object
from reelforge.jobs.receipts import (
    CREATE_RECEIPT_TEMPLATE,
    QUERY_RECEIPT_TEMPLATE,
    ReceiptQueryRequest,
    ReceiptTemplateCreateRequest,
)
from reelforge.jobs.rollup import ROLLUP_BANNER, ROLLUP_BANNER_WITH_ENHANCE, RollupRequest
from reelforge.runtime import Runtime

router = APIRouter(prefix="/v1/image", tags=["image"])


add_job_routes(
    router,
    [
        JobRoute(
            "/remove_branding",
            REMOVE_BRANDING,
            RemoveBrandingRequest,
            "Remove (or, with image_urls, replace) watermarks and logos (75 credits)",
        ),
        JobRoute(
            "/add_image_set", IMAGE_SET, ImageSetRequest, "Distinct variants of a set of images (75 credits per image)"
        ),
        JobRoute(
            "/receipt_templates/create",
            CREATE_RECEIPT_TEMPLATE,
            ReceiptTemplateCreateRequest,
            "Build and save a receipt template from one sample (free)",
            answer="when_done",
        ),
        JobRoute(
            "/receipt_templates/query",
            QUERY_RECEIPT_TEMPLATE,
            ReceiptQueryRequest,
            "Extract and validate a receipt against a template (50 credits)",
            answer="when_done",
        ),
        JobRoute(
            "/create_rollup_banner",
            ROLLUP_BANNER,
            RollupRequest,
            "A tiled roll-up banner with overlays (30 credits)",
            answer="if_done_soon",
        ),
        JobRoute(
            "/create_rollup_banner_with_enhance",
            ROLLUP_BANNER_WITH_ENHANCE,
            RollupRequest,
            "Upscale tiles below 2020x2526, then build the roll-up banner (enhance credits + 30)",
            answer="if_done_soon",
            aliases=("/enhance_and_generate_rollup_banner",),  # samsar-js enhanceAndGenerateRollupBanner
        ),
    ],
)


# --- assign_title ------------------------------------------------------------------------------


async def title_body(request: Request, rt: Runtime) -> AssignTitleRequest:
    """The body of a JSON request or a multipart upload (``image`` file part plus ``fileName``,
    ``mimeType`` and ``metadata`` JSON text, as samsar-js sends binaries)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("image")
        try:
            metadata = metadata_object(form.get("metadata")) or {}
        except ValueError as exc:
            raise BadRequest(str(exc), field="metadata") from exc
        if isinstance(upload, UploadFile):
            data = await upload.read(rt.fetch_policy.max_bytes + 1)
            if len(data) > rt.fetch_policy.max_bytes:
                raise PayloadTooLarge(f"image is larger than {rt.fetch_policy.max_bytes} bytes.", field="image")
            if not data:
                raise BadRequest("image is an empty upload.", field="image")
            return AssignTitleRequest(metadata=metadata, upload=data)
        form_url = form.get("image_url") or form.get("image_data")
        return AssignTitleRequest(image_url=form_url if isinstance(form_url, str) else None, metadata=metadata)
    try:
        payload = await request.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep to parse
        raise BadRequest("Request body is not valid JSON.", field="body") from exc
    try:
        return AssignTitleRequest.model_validate(payload)
    except ValidationError as exc:
        issue = validation_issues(exc)[0]
        raise BadRequest(f"{issue['field']}: {issue['message']}", field=issue["field"]) from exc


_TITLE_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["image"],
    "properties": {
        "image": {"type": "string", "format": "binary"},
        "fileName": {"type": "string"},
        "mimeType": {"type": "string", "enum": ["image/png", "image/jpeg", "image/webp", "image/gif"]},
        "metadata": {"type": "string", "description": "a JSON object, as text"},
    },
}


@router.post(
    "/assign_title",
    summary="A short SEO title for an image (free, synchronous): JSON image_url/image_data or multipart image",
    responses=SYNC_JOB_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": AssignTitleRequest.model_json_schema()},
                "multipart/form-data": {"schema": _TITLE_FORM_SCHEMA},
            },
        }
    },
)
async def assign_image_title(request: Request, call: JobCallDep) -> JSONResponse:
    body = await title_body(request, call.rt)
    return await call.submit_and_wait_async(ASSIGN_TITLE, body)


# --- receipt templates -------------------------------------------------------------------------


@router.get("/template_json", summary="A saved receipt template's structured JSON (free)")
@router.get("/receipt_templates/template_json", summary="Alias of /v1/image/template_json")
def receipt_template_json(
    rt: RuntimeDep, principal: PrincipalDep, template_id: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    return receipt_templates.payload(receipt_templates.get_owned(rt.db, principal.owner, template_id))
