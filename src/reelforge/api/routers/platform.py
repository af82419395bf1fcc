"""Routes the open-source Samsar processor serves beside the SDK's: health probes, text-to-image,
TTS voices with previews, and font previews."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import text

from reelforge import __version__
from reelforge.api.deps import AccountDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.routers.video import SAMPLES
from reelforge.core.errors import BadRequest, NotFound
from reelforge.imaging.png import png_bytes
from reelforge.jobs.image_generate import TEXT_TO_IMAGE, TextToImageRequest
from reelforge.providers import registry
from reelforge.providers.tts import DEFAULT_ESPEAK_NARRATOR, ESPEAK_NARRATORS, EspeakTTS
from reelforge.runtime import Runtime
from reelforge.text import fonts
from reelforge.text.languages import SUPPORTED_LANGUAGES

router = APIRouter(tags=["platform"])


# --- health ------------------------------------------------------------------------------------


def _check(name: str, probe: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as exc:  # a probe's failure is the answer, not a 500
        return {"name": name, "ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    return {"name": name, "ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}


def _database(rt: Runtime) -> dict[str, Any]:
    with rt.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"dialect": rt.db.engine.dialect.name}


def _blob_store(rt: Runtime) -> dict[str, Any]:
    key = "health/probe.txt"
    rt.blobs.put_bytes(key, b"ok")
    return {"writable": True}


def _ffmpeg() -> dict[str, Any]:
    import imageio_ffmpeg

    return {"path": imageio_ffmpeg.get_ffmpeg_exe()}


@router.get("/health/live", summary="Liveness: the process answers")
def health_live() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/health/ready", summary="Readiness: the database and the blob store work (503 otherwise)")
def health_ready(rt: RuntimeDep) -> JSONResponse:
    checks = [_check("database", lambda: _database(rt)), _check("blob_store", lambda: _blob_store(rt))]
    ready = all(c["ok"] for c in checks)
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/health/dependencies", summary="Each dependency's state and which provider serves each model kind")
def health_dependencies(rt: RuntimeDep) -> dict[str, Any]:
    settings = rt.settings
    return {
        "status": "ok",
        "version": __version__,
        "dependencies": [
            _check("database", lambda: _database(rt)),
            _check("blob_store", lambda: _blob_store(rt)),
            _check("ffmpeg", _ffmpeg),
        ],
        "providers": {
            "script": registry.describe_script_writer(settings),
            "tts": registry.describe_tts(settings),
            "translation": registry.text_translator(settings).label,
            "image_models": {m: registry.describe_image(settings, m) for m in registry.image_models(settings)},
            "video_models": {m: registry.describe_video(settings, m) for m in registry.video_models(settings)},
        },
    }


# --- text to image -----------------------------------------------------------------------------


add_job_routes(
    router,
    [
        JobRoute(
            "/v1/image/text_to_image",
            TEXT_TO_IMAGE,
            TextToImageRequest,
            "Images from a prompt (the image model's basePrice per image)",
            answer="if_done_soon",
            aliases=("/v1/image/generate", "/v1/image/generations"),
        )
    ],
)


# --- voices and fonts --------------------------------------------------------------------------


@router.get("/v1/tts/voices", summary="Narrator voices of the configured TTS provider")
def tts_voices(rt: RuntimeDep, account: AccountDep) -> dict[str, Any]:
    provider = registry.describe_tts(rt.settings)
    voices: list[dict[str, Any]]
    if rt.settings.openai_base_url:
        voices = [{"voice_id": rt.settings.openai_speech_voice, "name": rt.settings.openai_speech_voice}]
    else:
        voices = [
            {"voice_id": name, "name": name, "default": name == DEFAULT_ESPEAK_NARRATOR,
             "preview_url": f"/v1/tts/preview?voice={name}&language=en"}
            for name in ESPEAK_NARRATORS
        ]
    return {"provider": provider, "languages": list(SUPPORTED_LANGUAGES), "voices": voices}


@router.get(
    "/v1/tts/preview",
    summary="A short spoken sample of a voice (audio/wav, offline voices)",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}, "description": "The sample, as WAV"}},
)
def tts_preview(account: AccountDep, voice: str = DEFAULT_ESPEAK_NARRATOR, language: str = "en") -> Response:
    if voice not in ESPEAK_NARRATORS:
        raise NotFound(f"No voice {voice!r}; see GET /v1/tts/voices.", field="voice")
    if language not in SUPPORTED_LANGUAGES:
        raise BadRequest(f"unsupported language {language!r}.", field="language")
    work = Path(tempfile.mkdtemp(prefix="reelforge-voice-"))
    try:
        out = work / "preview.wav"
        EspeakTTS().synthesize(SAMPLES.get(language, SAMPLES["default"]), language, out, voice=voice)
        return Response(out.read_bytes(), media_type="audio/wav")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@router.get(
    "/v1/supported_fonts/preview",
    summary="A PNG sample of a font for a language, light or dark (no auth)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The sample, as PNG"}},
)
def font_preview(font_key: str, language: str = "en", theme: str = "light") -> Response:
    try:
        choice = fonts.resolve_font(font_key, language)
    except (fonts.UnsupportedFont, ValueError) as exc:
        message = f"No font {font_key!r} for {language!r}; see GET /v1/supported_fonts."
        raise NotFound(message, field="font_key") from exc
    fg, bg = ((17, 17, 17), (250, 250, 250)) if theme != "dark" else ((250, 250, 250), (17, 17, 17))
    font = ImageFont.truetype(str(choice.path), 40, index=choice.face_index)
    sample = SAMPLES.get(language, SAMPLES["default"])
    width = int(font.getlength(sample)) + 48
    img = Image.new("RGB", (max(width, 200), 96), bg)
    ImageDraw.Draw(img).text((24, 24), sample, font=font, fill=fg)
    return Response(png_bytes(img), media_type="image/png")
