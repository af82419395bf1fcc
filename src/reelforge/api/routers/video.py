"""``/v1/video/*`` generation routes, the legacy ``/v1/video/create``, models and fonts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from reelforge.api.deps import AccountDep, IdempotencyKeyDep, RuntimeDep, accept
from reelforge.api.video_schemas import (
    ImageListToVideoRequest,
    LegacyCreateRequest,
    SessionRef,
    TextToVideoRequest,
    VideoOptions,
)
from reelforge.core import requests
from reelforge.core.errors import BadRequest, Forbidden, NotFound
from reelforge.pipeline import engine
from reelforge.pipeline.submit import JobSpec
from reelforge.pipeline.video_plan import (
    IMAGE_LIST_PLAN,
    TEXT_TO_VIDEO_PLAN,
    estimated_duration,
    scene_count_for_duration,
    video_price,
)
from reelforge.providers import registry
from reelforge.providers.script import resolve_language
from reelforge.runtime import Runtime
from reelforge.storage.blobs import content_key
from reelforge.storage.fetch import fetch_image
from reelforge.text import fonts

router = APIRouter(prefix="/v1", tags=["video"])
pages = APIRouter(include_in_schema=False)


def _common_input(rt: Runtime, body: VideoOptions, titles: list[str | None]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Validate what needs the deployment (models, fonts, canvas) and fetch referenced images."""
    if body.video_model not in registry.video_models(rt.settings):
        raise BadRequest(
            f"video_model {body.video_model!r} is not available here; see GET /v1/video/supported_models.",
            field="video_model",
        )
    language = resolve_language(body.language, body.prompt, body.metadata, titles)
    if body.font_key and not fonts.is_font_supported(body.font_key, language):
        raise BadRequest(
            f"font_key {body.font_key!r} is not supported for language {language!r}; see GET /v1/supported_fonts.",
            field="font_key",
        )
    width, height = body.canvas()
    area = body.outro_focus_area
    if area and (area.x + area.width > width or area.y + area.height > height):
        raise BadRequest(f"outro_focust_area must lie inside the {width}x{height} canvas.", field="outro_focust_area")
    opts = body.model_dump(mode="json", exclude={"webhook_url", "image_urls"})
    opts.update({"canvas": [width, height], "language": language})
    blobs: dict[str, bytes] = {}
    for field, url in (("outro_image_url", body.outro_image_url), ("cta_logo", body.cta_logo)):
        if url:
            data, _ = fetch_image(url, rt.fetch_policy, field)
            key = content_key("inputs", data, ".img")
            blobs[key] = data
            opts["outro_key" if field == "outro_image_url" else "cta_logo_key"] = key
            opts[field] = url if not url.startswith("data:") else "data:…"
    return opts, blobs


def _submit_video(
    rt: Runtime,
    account: Any,
    request: Request,
    body: VideoOptions,
    key: str | None,
    opts: dict[str, Any],
    blobs: dict[str, bytes],
    case_type: str,
    prefix: str,
    n_scenes: int,
) -> JSONResponse:
    plan = TEXT_TO_VIDEO_PLAN if case_type == "text_to_video" else IMAGE_LIST_PLAN
    spec = JobSpec(
        type="video",
        case_type=case_type,
        id_prefix=prefix,
        price=video_price(rt.prices, opts, estimated_duration(opts, n_scenes)),
        plan=plan,
        input=opts,
        provider=opts.get("video_model", "LOCAL"),
        blobs=blobs,
    )
    return accept(rt, account, request, body, spec, key)


def _text_to_video(
    rt: Runtime,
    account: Any,
    request: Request,
    body: TextToVideoRequest,
    key: str | None,
    case_type: str = "text_to_video",
) -> JSONResponse:
    if body.image_model not in registry.image_models(rt.settings):
        raise BadRequest(
            f"image_model {body.image_model!r} is not available here; see GET /v1/video/supported_models.",
            field="image_model",
        )
    opts, blobs = _common_input(rt, body, [])
    return _submit_video(
        rt, account, request, body, key, opts, blobs, "text_to_video", "vid", scene_count_for_duration(body.duration)
    )


@router.post("/video/text_to_video", summary="Generate a video from a prompt")
def text_to_video(
    body: TextToVideoRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _text_to_video(rt, account, request, body, key)


@router.post("/video/create", summary="Legacy: generate a video from a prompt (prompt ≤ 500 chars, ≤ 120 s)")
def legacy_create(
    body: LegacyCreateRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    return _text_to_video(rt, account, request, body, key)


@router.post("/video/image_list_to_video", summary="Generate a video from an ordered list of images")
def image_list_to_video(
    body: ImageListToVideoRequest, request: Request, rt: RuntimeDep, account: AccountDep, key: IdempotencyKeyDep
) -> JSONResponse:
    opts, blobs = _common_input(rt, body, [item.title for item in body.image_urls])
    images = []
    for i, item in enumerate(body.image_urls):
        data, _ = fetch_image(item.url, rt.fetch_policy, f"image_urls[{i}]")
        blob_key = content_key("inputs", data, ".img")
        blobs[blob_key] = data
        images.append({"key": blob_key, "title": item.title})
    opts["images"] = images
    return _submit_video(rt, account, request, body, key, opts, blobs, "image_list_to_video", "vid_img", len(images))


@router.get("/video/supported_models", summary="Image and video model keys usable in this deployment")
def supported_models(rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    prices = rt.prices
    return {
        "IMAGE_MODELS": [
            {"label": m, "value": m, "basePrice": prices.image_model_price(m)}
            for m in registry.image_models(rt.settings)
        ],
        "VIDEO_MODELS": [
            {"label": m, "value": m, "basePrice": prices.video_model_rate(m)}
            for m in registry.video_models(rt.settings)
        ],
    }


@router.get("/supported_fonts", summary="Installed subtitle fonts per language (no auth)")
def supported_fonts() -> dict[str, Any]:
    return {"fontsByLanguage": fonts.fonts_by_language()}


@router.get(
    "/video/fetch_latest_version",
    summary="Latest render of a session",
    responses={
        202: {"description": "The session is still rendering"},
        403: {"description": "The session belongs to another account"},
    },
)
def fetch_latest_version(
    rt: RuntimeDep, account: AccountDep, session_id: str | None = None, request_id: str | None = None
) -> JSONResponse:
    sid = session_id or request_id
    if not sid:
        raise BadRequest("session_id is required.", field="session_id")
    req = requests.get(rt.db, sid)
    if req.account_id != account.id:
        raise Forbidden("This session belongs to another account.", field="session_id")
    if req.status == "COMPLETED":
        return JSONResponse({"session_id": sid, "status": "COMPLETED", **req.result})
    if req.status == "PENDING":
        return JSONResponse(
            {"session_id": sid, "status": "PENDING", "message": "Render not ready yet."}, status_code=202
        )
    message = "Video generation failed." if req.status == "FAILED" else "Render was cancelled."
    return JSONResponse({"session_id": sid, "status": req.status, "message": message})


@router.post("/video/cancel_render", summary="Cancel an in-progress render (refunds its charge)")
def cancel_render(body: SessionRef, rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    req = requests.get_owned(rt.db, account.id, body.session_id, field="videoSessionId")
    if req.status == "PENDING":
        requests.cancel(rt.db, req.id)
        engine.cancel(req)
        engine.notify(req.id)
    elif req.status != "CANCELLED":
        raise BadRequest(f"Session {req.id} is already {req.status}; nothing to cancel.", field="videoSessionId")
    return {
        "request_id": req.id,
        "session_id": req.id,
        "status": "CANCELLED",
        "cancelled": True,
        "message": "Render cancellation requested.",
    }


FONTS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>reelforge fonts</title><style>
body{{font-family:sans-serif;margin:2rem}} .row{{display:flex;gap:1rem;margin:.5rem 0}}
.s{{flex:1;padding:1rem;border-radius:8px;font-size:22px}} .l{{background:#fafafa;color:#111}}
.d{{background:#111;color:#fafafa}} code{{background:#eee;padding:2px 4px}}</style>{faces}</head><body>
<h1>Supported fonts</h1><p>Use a key as <code>font_key</code> with a matching <code>language</code>.</p>
{rows}</body></html>"""

SAMPLES = {
    "en": "Scan to shop the new collection",
    "es": "Escanea para comprar la colección",
    "fr": "Scannez pour découvrir la collection",
    "de": "Jetzt scannen und entdecken",
    "pt": "Escaneie para comprar a coleção",
    "it": "Scansiona per acquistare la collezione",
    "nl": "Scan om de collectie te shoppen",
    "sv": "Skanna för att handla kollektionen",
    "hi": "संग्रह खरीदने के लिए स्कैन करें",
    "ar": "امسح الرمز لتسوق المجموعة",
    "ru": "Сканируйте, чтобы купить",
    "ja": "スキャンして新作をチェック",
    "ko": "스캔하고 신상품을 만나보세요",
    "th": "สแกนเพื่อช้อปคอลเลกชันใหม่",
    "zh": "扫码选购新品系列",
    "default": "The quick brown fox jumps over the lazy dog",
}


@pages.get("/fonts/file/{language}/{family}")
def font_file(language: str, family: str) -> FileResponse:
    try:
        choice = fonts.resolve_font(family, language)
    except (fonts.UnsupportedFont, ValueError) as exc:
        raise NotFound(f"No font {family!r} for {language!r}.", field="family") from exc
    return FileResponse(choice.path)


@pages.get("/fonts", response_class=HTMLResponse)
def fonts_page() -> str:
    """Light and dark previews of every supported font, per language, in the real font files."""
    faces, rows = [], []
    for language, families in fonts.fonts_by_language().items():
        lang = language if language != "default" else "en"
        for family in families:
            face = f"{family}-{lang}"
            faces.append(f"@font-face{{font-family:'{face}';src:url('/fonts/file/{lang}/{family}')}}")
            sample = SAMPLES.get(language, SAMPLES["default"])
            rows.append(
                f'<h3><code>{family}</code> · {language}</h3><div class="row">'
                f'<div class="s l" style="font-family:\'{face}\'">{sample}</div>'
                f'<div class="s d" style="font-family:\'{face}\'">{sample}</div></div>'
            )
    return FONTS_PAGE.format(faces="<style>" + "".join(faces) + "</style>", rows="".join(rows))
