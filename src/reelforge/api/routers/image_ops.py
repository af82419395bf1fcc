"""``/v1/image/*`` beyond enhance: branding removal, image sets, titles, receipt templates and
roll-up banners.

Every route validates and fetches its images before any money moves (400 naming the field,
nothing charged), then either enqueues a job through :func:`api.deps.accept` (answered with a
request id to poll) or, for the routes the spec answers synchronously (receipts), submits the
same kind of job and waits for it (:mod:`api.sync_jobs`).
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from PIL import Image
from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    NonNegativeInt,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.datastructures import UploadFile

from reelforge.api.deps import AccountDep, IdempotencyKeyDep, RuntimeDep, accept
from reelforge.api.routers.image import echo_url
from reelforge.api.schemas import RequestBody
from reelforge.api.sync_jobs import submit_and_answer
from reelforge.core import receipt_templates
from reelforge.core.errors import BadRequest, PayloadTooLarge
from reelforge.core.ids import new_id
from reelforge.db.models import Request as RequestRow
from reelforge.imaging.errors import validation_issues
from reelforge.imaging.image_set import MAX_IMAGES, ImageSetOptions
from reelforge.imaging.rollup import (
    MAX_TILES_LIMIT,
    REFERENCE_TILE,
    RollupBannerRequest,
    RollupItem,
    enhance_resolution_for,
)
from reelforge.imaging.titles import assign_title
from reelforge.pipeline.submit import JobSpec
from reelforge.providers.ocr import OcrLine, default_ocr
from reelforge.providers.openai_compat import OpenAICompatClient
from reelforge.providers.vision_title import ProviderError, vision_title
from reelforge.runtime import Runtime
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image, load_image

router = APIRouter(prefix="/v1/image", tags=["image"])
log = logging.getLogger("reelforge.image")

MAX_REGIONS = 50


def _fetch_input(rt: Runtime, url: str, field: str) -> tuple[str, bytes, Image.Image]:
    """Fetch (SSRF-guarded, size-capped, decoded) one input image; returns its blob key too."""
    data, img = fetch_image(url, rt.fetch_policy, field)
    return content_key("inputs", data, ".img"), data, img


# --- remove_branding ---------------------------------------------------------------------------


def _as_box(value: Any) -> Any:
    """Regions come as ``[x0, y0, x1, y1]`` or ``{x|left, y|top, width, height}`` (or
    ``{x0, y0, x1, y1}``), in pixels of the original image."""
    if not isinstance(value, dict):
        return value
    v = {str(k).lower(): item for k, item in value.items()}
    if {"x0", "y0", "x1", "y1"} <= v.keys():
        return [v["x0"], v["y0"], v["x1"], v["y1"]]
    x, y = v.get("x", v.get("left")), v.get("y", v.get("top"))
    w, h = v.get("width"), v.get("height")
    if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (x, y, w, h)):
        return [x, y, x + w, y + h]  # type: ignore[operator]
    raise ValueError("a region is [x0, y0, x1, y1] or {x, y, width, height} in pixels")


def _non_empty_box(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError("a region needs x1 > x0 and y1 > y0")
    return box


Region = Annotated[
    tuple[NonNegativeInt, NonNegativeInt, NonNegativeInt, NonNegativeInt],
    BeforeValidator(_as_box),
    AfterValidator(_non_empty_box),
]


class RemoveBrandingRequest(RequestBody):
    image_url: str | None = Field(None, max_length=50_000_000, description="the image to clean (http(s) or data:)")
    image_urls: list[str] | None = Field(
        None, min_length=1, max_length=2, description="[original, replacement logo] (replaceBrandingFromImage)"
    )
    regions: list[Region] | None = Field(
        None, max_length=MAX_REGIONS, description="explicit pixel boxes to remove; detection runs when omitted"
    )

    def sources(self) -> tuple[tuple[str, str], tuple[str, str] | None]:
        """((original url, its field), (replacement url, its field) or None)."""
        if self.image_urls:
            original = (self.image_urls[0], "image_urls.0")
            return original, ((self.image_urls[1], "image_urls.1") if len(self.image_urls) > 1 else None)
        if not self.image_url:
            raise BadRequest("image_url is required (or image_urls: [original, replacement]).", field="image_url")
        return (self.image_url, "image_url"), None


@router.post("/remove_branding", summary="Remove (or, with image_urls, replace) watermarks and logos (75 credits)")
def remove_branding(
    body: RemoveBrandingRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    (url, field), replacement = body.sources()
    input_key, data, img = _fetch_input(rt, url, field)
    blobs = {input_key: data}
    job_input: dict[str, Any] = {"input_key": input_key, "image_url": echo_url(url)}
    for index, box in enumerate(body.regions or []):
        if box[0] >= img.width or box[1] >= img.height:
            raise BadRequest(
                f"regions.{index} lies outside the {img.width}x{img.height} image.", field=f"regions.{index}"
            )
    if body.regions:
        job_input["regions"] = [list(box) for box in body.regions]
    extra: dict[str, Any] = {"image_url": echo_url(url)}
    if replacement is not None:
        replacement_key, replacement_data, _ = _fetch_input(rt, *replacement)
        blobs[replacement_key] = replacement_data
        job_input["replacement_key"] = replacement_key
        extra["image_urls"] = [echo_url(url), echo_url(replacement[0])]
    spec = JobSpec(
        type="image",
        case_type="logo_remove",
        id_prefix="img_rm",
        price=rt.prices.route("logo_remove"),
        plan=[["image_remove_branding"]],
        input=job_input,
        response_extra=extra,
        blobs=blobs,
    )
    return accept(rt, account, request, body, spec, key)


# --- add_image_set -----------------------------------------------------------------------------


class ImageSetRequest(RequestBody, ImageSetOptions):
    """``image_urls`` (required), ``num_images`` (default len(image_urls)), ``prompt``,
    ``metadata``, ``aspect_ratio``."""

    # Every URL is fetched before the charge: bound the list so one request cannot order thousands.
    image_urls: list[str] = Field(min_length=1, max_length=MAX_IMAGES)


@router.post("/add_image_set", summary="Distinct variants of a set of images (75 credits per requested image)")
def add_image_set(
    body: ImageSetRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    keys: list[str] = []
    blobs: dict[str, bytes] = {}
    for index, url in enumerate(body.image_urls):
        input_key, data, _ = _fetch_input(rt, url, f"image_urls.{index}")
        keys.append(input_key)
        blobs[input_key] = data
    echoed = [echo_url(url) for url in body.image_urls]
    spec = JobSpec(
        type="image",
        case_type="image_list_to_image_set",
        id_prefix="img_set",
        price=rt.prices.route("image_list_to_image_set", "per_image") * body.requested_images,
        plan=[["image_set"]],
        input={
            "input_keys": keys,
            "image_urls": echoed,
            "num_images": body.requested_images,
            "prompt": body.prompt,
            "metadata": body.metadata,
            "aspect_ratio": body.aspect_ratio,
        },
        response_extra={
            "image_urls": echoed,
            "metadata": body.metadata,
            "prompt": body.prompt,
            "num_images": body.requested_images,
            **({"aspect_ratio": body.aspect_ratio} if body.aspect_ratio else {}),
        },
        blobs=blobs,
    )
    return accept(rt, account, request, body, spec, key)


# --- assign_title ------------------------------------------------------------------------------


def _metadata_object(value: Any) -> Any:
    """Metadata may arrive as an object or as JSON text (multipart forms carry text)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError("metadata must be a JSON object") from exc
    if value is not None and not isinstance(value, dict):
        raise ValueError("metadata must be a JSON object")
    return value


class AssignTitleRequest(RequestBody):
    image_url: str | None = Field(None, validation_alias=AliasChoices("image_url", "imageUrl"))
    image_data: str | None = Field(None, validation_alias=AliasChoices("image_data", "imageData"))
    metadata: dict[str, Any] | None = None

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata(cls, value: Any) -> Any:
        return _metadata_object(value)

    @field_validator("image_data")
    @classmethod
    def _data_url(cls, value: str | None) -> str | None:
        # Bare base64 is accepted too; the decoder checks it is really an image.
        if value and not value.startswith("data:"):
            return "data:application/octet-stream;base64," + value
        return value or None


class _LazyOcr:
    """Loads the OCR model only when the title actually needs the image's text."""

    name = "lazy"

    def read(self, image: Image.Image) -> list[OcrLine]:
        return default_ocr().read(image)


async def _title_input(request: Request, rt: Runtime) -> tuple[Image.Image, dict[str, Any]]:
    """The image and metadata of a JSON body or a multipart upload (``image`` file part plus
    ``fileName``, ``mimeType`` and ``metadata`` JSON text, as samsar-js sends binaries)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("image")
        try:
            metadata = _metadata_object(form.get("metadata")) or {}
        except ValueError as exc:
            raise BadRequest(str(exc), field="metadata") from exc
        if isinstance(upload, UploadFile):
            data = await upload.read(rt.fetch_policy.max_bytes + 1)
            if len(data) > rt.fetch_policy.max_bytes:
                raise PayloadTooLarge(f"image is larger than {rt.fetch_policy.max_bytes} bytes.", field="image")
            if not data:
                raise BadRequest("image is an empty upload.", field="image")
            return await run_in_threadpool(load_image, data, rt.fetch_policy, "image"), metadata
        form_url = form.get("image_url") or form.get("image_data")
        body = AssignTitleRequest(image_url=form_url if isinstance(form_url, str) else None)
    else:
        try:
            payload = await request.json()
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested too deep to parse
            raise BadRequest("Request body is not valid JSON.", field="body") from exc
        try:
            body = AssignTitleRequest.model_validate(payload)
        except ValidationError as exc:
            issue = validation_issues(exc)[0]
            raise BadRequest(f"{issue['field']}: {issue['message']}", field=issue["field"]) from exc
        metadata = body.metadata or {}
    url, field = (body.image_url, "image_url") if body.image_url else (body.image_data, "image_data")
    if not url:
        raise BadRequest("image_url, image_data or a multipart image is required.", field="image_url")
    _data, img = await run_in_threadpool(fetch_image, url, rt.fetch_policy, field)
    return img, metadata


def _title(rt: Runtime, img: Image.Image, metadata: dict[str, Any]) -> str:
    """A vision model's title when an endpoint is configured, else (or when it fails) the
    offline one: metadata first, then the image's printed text, then its look."""
    settings = rt.settings
    if settings.openai_base_url:
        client = OpenAICompatClient(settings.openai_base_url, settings.openai_api_key)
        try:
            found = vision_title(client, settings.openai_chat_model, img, metadata)
            if found:
                return found
        except ProviderError as exc:
            log.warning("vision title failed, using the offline titler: %s", exc)
    return assign_title(img, metadata, _LazyOcr())


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
async def assign_image_title(request: Request, rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    img, metadata = await _title_input(request, rt)
    title = await run_in_threadpool(_title, rt, img, metadata)
    return {"content": title}


# --- receipt templates -------------------------------------------------------------------------

_IMAGE_URL = AliasChoices("image_url", "imageUrl", "receipt_url", "receiptUrl", "template_url", "templateUrl")


class ReceiptTemplateCreateRequest(RequestBody):
    image_url: str = Field(..., min_length=1, validation_alias=_IMAGE_URL, description="the sample receipt")
    template_name: str | None = Field(
        None, max_length=200, validation_alias=AliasChoices("template_name", "templateName")
    )


class ReceiptQueryRequest(RequestBody):
    template_id: str = Field(
        ...,
        min_length=1,
        validation_alias=AliasChoices("template_id", "templateId", "receipt_template_id", "receiptTemplateId"),
    )
    image_url: str = Field(
        ..., min_length=1, validation_alias=AliasChoices("image_url", "imageUrl", "receipt_url", "receiptUrl")
    )


# Synchronous answers: 202 with the request id when no worker finished in time, 500 when the job
# failed for a reason that is not the caller's input (its charge is refunded).
SYNC_JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Accepted but not finished in time: poll GET /v1/status with request_id"},
    500: {"description": "Processing failed (refunded)"},
}


def _completed_result(row: RequestRow) -> dict[str, Any]:
    return dict(row.result)


@router.post(
    "/receipt_templates/create",
    summary="Build and save a receipt template from one sample (free)",
    responses=SYNC_JOB_RESPONSES,
)
def create_receipt_template(
    body: ReceiptTemplateCreateRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    input_key, data, _ = _fetch_input(rt, body.image_url, "image_url")
    spec = JobSpec(
        type="image",
        case_type="receipt_template_create",
        id_prefix="rcpt_tpl_req",
        price=rt.prices.route("receipt_template_create"),
        plan=[["receipt_template_create"]],
        input={
            "input_key": input_key,
            "image_url": echo_url(body.image_url),
            "template_id": receipt_templates.new_template_id(),
            "template_name": body.template_name,
        },
        blobs={input_key: data},
    )
    return submit_and_answer(rt, account, request, body, spec, key, _completed_result)


@router.get("/template_json", summary="A saved receipt template's structured JSON (free)")
@router.get("/receipt_templates/template_json", summary="Alias of /v1/image/template_json")
def receipt_template_json(
    rt: RuntimeDep, account: AccountDep, template_id: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    return receipt_templates.payload(receipt_templates.get_owned(rt.db, account.id, template_id))


@router.post(
    "/receipt_templates/query",
    summary="Extract and validate a receipt against a template (50 credits)",
    responses=SYNC_JOB_RESPONSES,
)
def query_receipt_template(
    body: ReceiptQueryRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    template = receipt_templates.get_owned(rt.db, account.id, body.template_id)
    input_key, data, _ = _fetch_input(rt, body.image_url, "image_url")
    spec = JobSpec(
        type="image",
        case_type="receipt_template_query",
        id_prefix="rcpt_q",
        price=rt.prices.route("receipt_template_query"),
        plan=[["receipt_template_query"]],
        input={"input_key": input_key, "image_url": echo_url(body.image_url), "template_id": template.id},
        blobs={input_key: data},
    )
    return submit_and_answer(rt, account, request, body, spec, key, _completed_result)


# --- roll-up banners ---------------------------------------------------------------------------


class RollupRequest(RequestBody, RollupBannerRequest):
    tile_width: int | None = Field(
        None,
        ge=64,
        le=REFERENCE_TILE[0],
        description="reelforge extension: render tiles this wide for a preview (default: the 2020 px print size)",
    )

    @model_validator(mode="after")
    def _needs_tiles(self) -> RollupRequest:
        # Replaces the library's whole-model check: the route reports it on the list's field.
        # Every listed image is fetched before the charge: no more than the banner can show.
        if len(self.items) > MAX_TILES_LIMIT:
            raise ValueError(f"{self.list_field}: at most {MAX_TILES_LIMIT} images")
        return self

    @property
    def list_field(self) -> str:
        """The tile list's field as sent: the first non-empty one, else the first one sent."""
        names = ("image_list", "images", "image_urls")
        sent = [name for name in names if getattr(self, name) is not None]
        return next((name for name in sent if getattr(self, name)), sent[0] if sent else "image_list")


class _FetchedRollup:
    """Every image of a roll-up request fetched and stored once; URLs replaced by blob keys."""

    def __init__(self, rt: Runtime, body: RollupRequest) -> None:
        if not body.items:
            raise BadRequest(
                "image_list must be a non-empty array (or send images / image_urls).", field=body.list_field
            )
        self.blobs: dict[str, bytes] = {}
        self.key_of: dict[str, str] = {}  # url -> blob key
        self.images: dict[str, Image.Image] = {}  # blob key -> image
        self.tile_urls: list[str] = []  # distinct tile URLs, first-use order
        for index, item in enumerate(body.items):
            field = f"{body.list_field}.{index}.{'enhanced_url' if item.enhanced_url else 'image_url'}"
            self._fetch(rt, item.source_url, field)
            if item.source_url not in self.tile_urls:
                self.tile_urls.append(item.source_url)
        for url, field in ((body.header_image_url, "header_image_url"), (body.footer_image_url, "footer_image_url")):
            if url:
                self._fetch(rt, url, field)

    def _fetch(self, rt: Runtime, url: str, field: str) -> None:
        if url in self.key_of:
            return
        key, data, img = _fetch_input(rt, url, field)
        self.key_of[url], self.blobs[key], self.images[key] = key, data, img

    def stored_request(self, body: RollupRequest) -> dict[str, Any]:
        """The request as the render stage reads it: every image named by its blob key."""

        def item(entry: RollupItem) -> dict[str, Any]:
            dumped = entry.model_dump(mode="json", exclude_none=True, exclude={"enhanced_url"})
            return {**dumped, "image_url": self.key_of[entry.source_url]}

        return {
            "image_list": [item(entry) for entry in body.items],
            "header_image_url": self.key_of.get(body.header_image_url or ""),
            "footer_image_url": self.key_of.get(body.footer_image_url or ""),
            "columns": body.columns,
            "max_tiles": body.max_tiles,
            "image_tiling_position": (
                body.image_tiling_position.model_dump(mode="json") if body.image_tiling_position else None
            ),
        }


def _rollup(
    rt: Runtime,
    account: AccountDep,
    request: Request,
    body: RollupRequest,
    key: str | None,
    *,
    with_enhance: bool,
) -> JSONResponse:
    fetched = _FetchedRollup(rt, body)
    request_id = new_id("rollup_enh" if with_enhance else "rollup")
    job_input: dict[str, Any] = {"request": fetched.stored_request(body), "tile_width": body.tile_width}
    price = rt.prices.route("rollup_banner")
    plan = [["rollup_render"]]
    extra: dict[str, Any] = {}
    if with_enhance:
        enhance_jobs: list[dict[str, str]] = []
        input_image_urls: list[str] = []
        for index, url in enumerate(fetched.tile_urls):
            input_key = fetched.key_of[url]
            resolution = enhance_resolution_for(fetched.images[input_key])
            if resolution is None:
                input_image_urls.append(echo_url(url))
                continue
            output_key = f"images/{request_id}-tile-{index + 1}.png"
            enhance_jobs.append({"input_key": input_key, "output_key": output_key, "resolution": resolution})
            input_image_urls.append(rt.blobs.url(output_key))
            price += rt.prices.route("image_enhance", resolution)
        job_input.update(enhance=enhance_jobs, input_image_urls=input_image_urls)
        plan = [["rollup_enhance_tiles"], ["rollup_render"]]
        extra = {
            "rollup_session_id": request_id,
            "rollup_request_id": request_id,
            "input_image_urls": input_image_urls,
            "enhanced_tiles": len(enhance_jobs),
        }
    spec = JobSpec(
        type="image",
        case_type="rollup_banner_enhance" if with_enhance else "rollup_banner",
        id_prefix="rollup",
        price=price,
        plan=plan,
        input=job_input,
        response_extra=extra,
        blobs=fetched.blobs,
        request_id=request_id,
    )
    return accept(rt, account, request, body, spec, key)


@router.post("/create_rollup_banner", summary="A tiled roll-up banner with overlays (30 credits)")
def create_rollup_banner(
    body: RollupRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _rollup(rt, account, request, body, key, with_enhance=False)


@router.post(
    "/create_rollup_banner_with_enhance",
    summary="Upscale tiles below 2020x2526, then build the roll-up banner (enhance credits + 30)",
)
@router.post("/enhance_and_generate_rollup_banner", summary="Alias used by samsar-js enhanceAndGenerateRollupBanner")
def create_rollup_banner_with_enhance(
    body: RollupRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _rollup(rt, account, request, body, key, with_enhance=True)
