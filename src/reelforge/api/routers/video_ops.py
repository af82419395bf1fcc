"""Session operations: each clones a completed session into a new one and re-runs only the
stages whose inputs the operation changes (see ``stages/session_ops.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictBool, field_validator, model_validator

from reelforge.api.deps import AccountDep, IdempotencyKeyDep, RuntimeDep, accept
from reelforge.api.schemas import RequestBody
from reelforge.api.video_schemas import CANVAS, FocusArea, SessionRef, _alias
from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.db.models import Request as RequestRow
from reelforge.pipeline.registry import Plan
from reelforge.pipeline.submit import JobSpec
from reelforge.runtime import Runtime
from reelforge.sessions.store import latest_document
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image
from reelforge.text.languages import SUPPORTED_LANGUAGES

router = APIRouter(prefix="/v1/video", tags=["video sessions"])

FRAMES_THEN_RENDER: Plan = [["frame_generation"], ["video_generation"]]


class OutroUpdate(SessionRef):
    outro_image_url: str | None = Field(
        None, validation_alias=_alias("outro_image_url", "outroImageUrl", "new_outro_image_url", "newOutroImageUrl")
    )
    generate_outro_image: StrictBool = Field(
        False, validation_alias=_alias("generate_outro_image", "generateOutroImage")
    )
    cta_url: str | None = Field(None, validation_alias=_alias("cta_url", "ctaUrl"))
    cta_text_top: str | None = Field(None, max_length=120)
    cta_text_bottom: str | None = Field(None, max_length=120)
    cta_logo: str | None = None
    add_outro_animation: StrictBool = False
    add_outro_focus_area: StrictBool = False
    outro_focus_area: FocusArea | None = Field(None, validation_alias=_alias("outro_focust_area", "outro_focus_area"))

    @field_validator("cta_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("cta_url must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> OutroUpdate:
        if self.outro_image_url and self.generate_outro_image:
            raise ValueError("outro_image_url and generate_outro_image cannot be combined: choose one outro mode")
        if not self.outro_image_url and not self.cta_url:
            raise ValueError("give outro_image_url, or cta_url (with generate_outro_image) for a QR outro")
        if self.add_outro_focus_area and not (self.add_outro_animation and self.outro_focus_area):
            raise ValueError("add_outro_focus_area requires add_outro_animation and outro_focust_area")
        return self


class AddOutro(OutroUpdate):
    outro_image_url: str = Field(..., min_length=1, validation_alias=_alias("outro_image_url", "outroImageUrl"))


class FooterUpdate(SessionRef):
    cta_text: str | None = Field(None, max_length=120, validation_alias=_alias("cta_text", "ctaText"))
    cta_url: str | None = Field(None, validation_alias=_alias("cta_url", "ctaUrl"))
    cta_logo: str | None = Field(None, validation_alias=_alias("cta_logo", "ctaLogo"))
    remove_footer: StrictBool = Field(False, validation_alias=_alias("remove_footer", "removeFooter"))

    @model_validator(mode="after")
    def _need_something(self) -> FooterUpdate:
        if self.cta_url and not self.cta_url.startswith(("http://", "https://")):
            raise ValueError("cta_url must be an http(s) URL")
        if not self.remove_footer and not self.cta_url:
            raise ValueError("give cta_url (with cta_text / cta_logo), or remove_footer: true")
        return self


class Translate(SessionRef):
    language: str
    outro_image_url: str | None = None
    enable_subtitles: StrictBool = True
    translate_outro: StrictBool = True
    translate_footer: StrictBool = True

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {value!r}; expected one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value


class Join(RequestBody):
    session_ids: list[str] = Field(
        ..., min_length=2, max_length=20, validation_alias=_alias("session_ids", "sessionIds")
    )
    blend_scenes: StrictBool = False

    @field_validator("session_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("session_ids must be unique")
        return value


def _completed_source(rt: Runtime, account_id: str, session_id: str, field: str = "videoSessionId") -> RequestRow:
    req = requests.get_owned(rt.db, account_id, session_id, field=field)
    if req.type != "video":
        raise BadRequest(f"{session_id} is not a video session.", field=field)
    if req.status != "COMPLETED" or latest_document(rt, req.id) is None:
        raise BadRequest(
            f"Session {session_id} is {req.status.lower()}: only completed sessions can be changed.", field=field
        )
    return req


def _lineage(source: RequestRow) -> dict[str, Any]:
    """Where the script and the narration of a session were made (for translate/add_subtitles)."""
    op = source.input.get("operation")
    return {
        "origin_request_id": source.input.get("origin_request_id", source.id),
        "speech_request_id": source.id if op in (None, "translate") else source.input["speech_request_id"],
    }


def _fetch_into(
    rt: Runtime, url: str | None, field: str, opts: dict[str, Any], blobs: dict[str, bytes], key_name: str
) -> None:
    if url:
        data, _ = fetch_image(url, rt.fetch_policy, field)
        key = content_key("inputs", data, ".img")
        blobs[key], opts[key_name] = data, key


def _submit_op(
    rt: Runtime,
    account: Any,
    request: Request,
    body: RequestBody,
    key: str | None,
    sources: list[RequestRow],
    operation: str,
    prefix: str,
    plan: Plan,
    price: int,
    opts: dict[str, Any],
    blobs: dict[str, bytes] | None = None,
) -> JSONResponse:
    opts = {
        **opts,
        **_lineage(sources[0]),
        "operation": operation,
        "price": price,
        "source_session_ids": [s.id for s in sources],
        "source_duration": sum(float(s.result.get("duration", 0)) for s in sources),
    }
    spec = JobSpec(
        type="video",
        case_type=operation,
        id_prefix=prefix,
        price=price,
        plan=plan,
        input=opts,
        provider="LOCAL",
        blobs=blobs or {},
    )
    accepted = accept(rt, account, request, body, spec, key)
    return accepted


def _outro_op(
    body: OutroUpdate, request: Request, rt: Runtime, account: Any, key: str | None, operation: str
) -> JSONResponse:
    source = _completed_source(rt, account.id, body.session_id)
    doc = latest_document(rt, source.id)[0]  # type: ignore[index]
    area = body.outro_focus_area
    if area and (area.x + area.width > doc.canvas.width or area.y + area.height > doc.canvas.height):
        raise BadRequest(
            f"outro_focust_area must lie inside the {doc.canvas.width}x{doc.canvas.height} canvas.",
            field="outro_focust_area",
        )
    opts = body.model_dump(mode="json", exclude={"webhook_url", "session_id", "outro_image_url", "cta_logo"})
    blobs: dict[str, bytes] = {}
    _fetch_into(rt, body.outro_image_url, "outro_image_url", opts, blobs, "outro_key")
    _fetch_into(rt, body.cta_logo, "cta_logo", opts, blobs, "cta_logo_key")
    return _submit_op(
        rt,
        account,
        request,
        body,
        key,
        [source],
        operation,
        "vid_outro",
        FRAMES_THEN_RENDER,
        rt.prices.route(operation),
        opts,
        blobs,
    )


@router.post("/add_outro_image", summary="Clone a session and add or replace its outro image (50 credits)")
def add_outro_image(
    body: AddOutro, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _outro_op(body, request, rt, account, key, "add_outro_image")


@router.post("/update_outro_image", summary="Clone a session with a new outro image or a generated QR outro")
def update_outro_image(
    body: OutroUpdate, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _outro_op(body, request, rt, account, key, "update_outro_image")


@router.post("/update_footer_image", summary="Clone a session with a new footer CTA, or without footers")
def update_footer_image(
    body: FooterUpdate, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    source = _completed_source(rt, account.id, body.session_id)
    opts = body.model_dump(mode="json", exclude={"webhook_url", "session_id", "cta_logo"})
    blobs: dict[str, bytes] = {}
    _fetch_into(rt, body.cta_logo, "cta_logo", opts, blobs, "cta_logo_key")
    return _submit_op(
        rt,
        account,
        request,
        body,
        key,
        [source],
        "update_footer_image",
        "vid_footer",
        FRAMES_THEN_RENDER,
        rt.prices.route("update_footer_image"),
        opts,
        blobs,
    )


def _untranslatable_texts(origin: dict[str, Any]) -> dict[str, list[str]]:
    """Texts in the outro and footers that the client supplied rather than reelforge generated."""
    outro = [origin[k] for k in ("cta_text_top", "cta_text_bottom") if origin.get(k)]
    footer = [
        str(item.get(k))
        for item in origin.get("footer_metadata") or []
        for k in ("text", "cta_text", "title", "label")
        if item.get(k)
    ]
    return {
        "translate_outro": outro if origin.get("generate_outro_image") else [],
        "translate_footer": footer if origin.get("add_footer_animation") else [],
    }


@router.post("/translate_video", summary="A new session narrated and subtitled in another language (2/s)")
def translate_video(
    body: Translate, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    source = _completed_source(rt, account.id, body.session_id)
    origin = requests.get(rt.db, _lineage(source)["origin_request_id"])
    if origin.case_type not in ("text_to_video", "image_list_to_video"):
        raise BadRequest("This session has no stored script to translate.", field="videoSessionId")
    untranslatable = _untranslatable_texts(origin.input)
    for flag, texts in untranslatable.items():
        if getattr(body, flag) and texts:
            # We translate what reelforge wrote (re-realised from the script's facts); text the client
            # wrote is not ours to guess at, and an untranslated card in a translated video is worse
            # than a clear refusal.
            raise BadRequest(
                f"Cannot translate client-written text {texts[0]!r} without a translation provider; "
                f"pass {flag}: false to keep it as it is.",
                field=flag,
            )
    opts = body.model_dump(mode="json", exclude={"webhook_url", "session_id", "outro_image_url"})
    if body.translate_outro and origin.input.get("generate_outro_image"):
        opts["cta_url"] = origin.input["cta_url"]
    if body.translate_footer and origin.input.get("express_cta_generation"):
        opts["footer_cta_url"] = origin.input["cta_url"]
    blobs: dict[str, bytes] = {}
    _fetch_into(rt, body.outro_image_url, "outro_image_url", opts, blobs, "outro_key")
    plan: Plan = [
        ["prompt_generation"],
        ["speech_generation"],
        ["transcript_generation", "frame_generation"],
        ["video_generation"],
    ]
    price = rt.prices.per_second("translate_video", float(source.result.get("duration", 0)))
    return _submit_op(rt, account, request, body, key, [source], "translate", "vid_tr", plan, price, opts, blobs)


# Operations whose only input is the source session: (id prefix, plan, price-table entry).
SIMPLE_OPS: dict[str, tuple[str, Plan, str]] = {
    "clone": ("vid_clone", [["video_generation"]], "clone_video"),
    "remove_subtitles": ("vid_nosub", FRAMES_THEN_RENDER, "remove_subtitles"),
    "add_subtitles": (
        "vid_sub",
        [["transcript_generation", "frame_generation"], ["video_generation"]],
        "add_subtitles",
    ),
}


def _simple_op(
    operation: str, body: SessionRef, request: Request, rt: Runtime, account: Any, key: str | None
) -> JSONResponse:
    source = _completed_source(rt, account.id, body.session_id)
    prefix, plan, price_name = SIMPLE_OPS[operation]
    return _submit_op(
        rt, account, request, body, key, [source], operation, prefix, plan, rt.prices.route(price_name), {}
    )


@router.post("/clone", summary="Deep copy of a completed session with a fresh render (free)")
def clone(
    body: SessionRef, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _simple_op("clone", body, request, rt, account, key)


@router.post("/remove_subtitles", summary="Clone a session without subtitles (free)")
def remove_subtitles(
    body: SessionRef, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _simple_op("remove_subtitles", body, request, rt, account, key)


@router.post("/add_subtitles", summary="Clone a session with subtitles timed to its narration")
def add_subtitles(
    body: SessionRef, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _simple_op("add_subtitles", body, request, rt, account, key)


@router.post("/join_videos", summary="Join completed sessions in order (2 credits/sec of the joined duration)")
def join_videos(
    body: Join, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    sources = [_completed_source(rt, account.id, sid, field="session_ids") for sid in body.session_ids]
    docs = [latest_document(rt, s.id)[0] for s in sources]  # type: ignore[index]
    first = docs[0].canvas
    for doc in docs[1:]:
        if (doc.canvas.width, doc.canvas.height, doc.canvas.fps) != (first.width, first.height, first.fps):
            raise BadRequest(
                "All sessions must share aspect_ratio and framesPerSecond to be joined.", field="session_ids"
            )
    seconds = sum(doc.duration for doc in docs)
    return _submit_op(
        rt,
        account,
        request,
        body,
        key,
        sources,
        "join",
        "vid_join",
        FRAMES_THEN_RENDER,
        rt.prices.per_second("join_videos", seconds),
        {"blend_scenes": body.blend_scenes},
    )


@router.get("/list_completed_video_sessions", summary="The account's completed video sessions")
def list_completed_video_sessions(rt: RuntimeDep, account: AccountDep, limit: int = 100) -> list[dict[str, Any]]:
    """A bare JSON array, as samsar-js expects (its readme iterates ``data`` directly)."""
    rows = [
        r for r in requests.list_for(rt.db, account.id, "video", min(max(limit, 1), 500)) if r.status == "COMPLETED"
    ]
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


__all__ = ["CANVAS", "router"]
