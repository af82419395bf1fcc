"""``/v1/video/*`` generation routes, the legacy ``/v1/video/create``, models and fonts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from reelforge.api.deps import AccountDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.core import requests
from reelforge.core.errors import BadRequest, Forbidden, NotFound
from reelforge.core.pricing import PriceTable
from reelforge.core.principals import Owner
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO, TEXT_TO_VIDEO
from reelforge.jobs.video.options import ImageListToVideoRequest, LegacyCreateRequest, TextToVideoRequest
from reelforge.pipeline import engine
from reelforge.providers import registry
from reelforge.runtime import Runtime
from reelforge.text import fonts

router = APIRouter(prefix="/v1", tags=["video"])
pages = APIRouter(include_in_schema=False)


add_job_routes(
    router,
    [
        JobRoute("/video/text_to_video", TEXT_TO_VIDEO, TextToVideoRequest, "Generate a video from a prompt"),
        # legacy-video-api-v0.md: "201 Session created".
        JobRoute(
            "/video/create",
            TEXT_TO_VIDEO,
            LegacyCreateRequest,
            "Legacy: generate a video from a prompt (prompt ≤ 500 chars, ≤ 120 s; 10 credits/s)",
            status_code=201,
        ),
        JobRoute(
            "/video/image_list_to_video",
            IMAGE_LIST_TO_VIDEO,
            ImageListToVideoRequest,
            "Generate a video from an ordered list of images",
        ),
    ],
)


@router.get("/video/status", summary="Legacy: status of a session in legacy-video-api-v0.md's shape")
def legacy_status(
    rt: RuntimeDep, principal: PrincipalDep, session_id: str | None = None, request_id: str | None = None
) -> JSONResponse:
    sid = session_id or request_id
    if not sid:
        raise BadRequest("Missing or invalid session_id.", field="session_id")
    req = requests.get_owned(rt.db, principal.owner, sid, field="session_id")
    body = requests.status_body(rt.db, req)
    legacy: dict[str, Any] = {"session_id": req.id, "request_id": req.id, "status": req.status}
    if req.status == "PENDING":
        legacy["details"] = body.get("expressGenerationStatus", {})
    elif req.status == "COMPLETED":
        url = body.get("result_url")
        legacy.update({"url": url, "video_link": url, "result_url": url})
    else:
        legacy["message"] = body.get("message", "")
    return JSONResponse(legacy)


@router.get("/video/supported_models", summary="Image and video model keys usable in this deployment")
def supported_models(rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    prices, settings = rt.prices, rt.settings
    return {
        "IMAGE_MODELS": [
            {
                "label": m,
                "value": m,
                "basePrice": prices.image_model_price(m),
                "imageModelMultiplier": prices.image_model_multiplier(m),
                "provider": registry.describe_image(settings, m),
            }
            for m in registry.image_models(settings)
        ],
        "VIDEO_MODELS": [
            {
                "label": m,
                "value": m,
                "basePrice": prices.video_model_base(m),
                "pricing": _video_pricing(prices, m),
                "provider": registry.describe_video(settings, m),
            }
            for m in registry.video_models(settings)
        ],
    }


def _video_pricing(prices: PriceTable, model: str) -> dict[str, Any]:
    rate = prices.video_model_rate(model)
    if rate is not None:
        return {"credits_per_second": rate}
    units = prices.video_model_units(model)
    assert units is not None  # every catalogued key is priced (tests/video/test_video_catalog.py)
    return {"credits_per_unit": units[0], "unit_seconds": units[1]}


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
    rt: RuntimeDep, principal: PrincipalDep, session_id: str | None = None, request_id: str | None = None
) -> JSONResponse:
    sid = session_id or request_id
    if not sid:
        raise BadRequest("session_id is required.", field="session_id")
    req = requests.get(rt.db, sid)
    if not principal.owner.owns(req.account_id, req.external_user_id):
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
def cancel_render(body: SessionRef, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return cancel_session(rt, principal.owner, body.session_id)


def cancel_session(rt: Runtime, owner: Owner, session_id: str) -> dict[str, Any]:
    """Cancel a PENDING request (refunded; a paused step request too); a cancelled one again is harmless."""
    req = requests.get_owned(rt.db, owner, session_id, field="videoSessionId")
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
