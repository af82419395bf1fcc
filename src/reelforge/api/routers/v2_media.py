"""The media gateway's audio routes (``/v2/external/audio/*``): speech from the deployment's TTS
provider, music, sound effects and transcript alignment as jobs, the generic ``POST
/v2/external/audio`` that dispatches on ``route_type``, the voices the TTS provider really has, and
the status of audio requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from reelforge.api.deps import AccountDep, JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.routers.v2 import with_session_id
from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.imaging.errors import validation_issues
from reelforge.jobs.audio_gateway import (
    SOUND_EFFECT,
    TEXT_TO_MUSIC,
    TRANSCRIPT_ALIGNMENT,
    SoundEffectRequest,
    TextToMusicRequest,
    TranscriptAlignmentRequest,
)
from reelforge.jobs.audio_speech import TEXT_TO_SPEECH, TextToSpeechRequest
from reelforge.providers import registry

router = APIRouter(prefix="/v2/external/audio", tags=["v2 media gateway"])

AUDIO_ROUTES = [
    JobRoute("/text_to_speech", TEXT_TO_SPEECH, TextToSpeechRequest,
             "Speak a text with the deployment's TTS provider (per 1,000 characters)", reshape=with_session_id),
    JobRoute("/text_to_music", TEXT_TO_MUSIC, TextToMusicRequest,
             "Instrumental music for a prompt: the offline music bed (1 credit per second)",
             aliases=("/music", "/generate_music"), reshape=with_session_id),
    JobRoute("/sound_effect", SOUND_EFFECT, SoundEffectRequest,
             "A sound effect synthesised from the prompt's keywords (1 credit per second)",
             aliases=("/sound_effects", "/text_to_sound_effect", "/generate_sound_effect"), reshape=with_session_id),
    JobRoute("/transcript_alignment", TRANSCRIPT_ALIGNMENT, TranscriptAlignmentRequest,
             "Word timings of a known text in an audio file (5 credits per started minute)",
             aliases=("/align_transcript", "/alignment", "/forced_alignment"), reshape=with_session_id),
]
add_job_routes(router, AUDIO_ROUTES)
_BY_ROUTE_TYPE = {path.strip("/"): route for route in AUDIO_ROUTES for path in (route.path, *route.aliases)}


@router.post("", summary="Any audio route, named by route_type (text_to_music when omitted)")
async def dispatch(request: Request, call: JobCallDep) -> JSONResponse:
    try:
        payload = await request.json()
    except (ValueError, RecursionError) as exc:
        raise BadRequest("Request body is not valid JSON.", field="body") from exc
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object.", field="body")
    inner = payload["input"] if isinstance(payload.get("input"), dict) else {}
    name = payload.get("route_type") or inner.get("route_type") or payload.get("route") or "text_to_music"
    route = _BY_ROUTE_TYPE.get(str(name).strip("/"))
    if route is None:
        raise BadRequest(f"route_type {name!r} is not one of {sorted(r.path.strip('/') for r in AUDIO_ROUTES)}.",
                         field="route_type")
    try:
        body = route.body.model_validate(payload)
    except ValidationError as exc:
        issue = validation_issues(exc)[0]
        raise BadRequest(f"{issue['field']}: {issue['message']}", field=issue["field"]) from exc
    return await run_in_threadpool(route.respond, call, body)


@router.get("/voices", summary="The TTS provider's voices, by provider (free)")
def voices(
    rt: RuntimeDep, account: AccountDep, languageCode: str | None = None, refresh: bool | None = None  # noqa: N803
) -> dict[str, Any]:
    language = (languageCode or "").strip().lower().split("-")[0]
    generated = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    catalogs: dict[str, dict[str, Any]] = {}
    for voice in registry.tts_voices(rt.settings):
        if language and "*" not in voice["languages"] and language not in voice["languages"]:
            continue
        catalog = catalogs.setdefault(voice["provider"], {
            "provider": voice["provider"], "voices": [], "voiceMap": {}, "source": "local", "generatedAt": generated,
        })
        catalog["voices"].append(voice)
        catalog["voiceMap"][voice["voice_id"]] = voice
    for catalog in catalogs.values():
        catalog["count"] = len(catalog["voices"])
    return {"providers": catalogs, "voicesByProvider": catalogs, "providerKeys": sorted(catalogs),
            "generatedAt": generated}


@router.get("/status", summary="Status of an audio request")
def status(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    req = requests.get_owned(rt.db, principal.owner, request_id or session_id)
    if req.type != "audio":
        raise BadRequest(f"{req.id} is not an audio request; see GET /v2/status.", field="request_id")
    return requests.status_body(rt.db, req)
