"""The media gateway's audio routes (``/v2/external/audio/*``): speech from the deployment's TTS
provider as a job, the voices that provider really has, and the status of audio requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reelforge.api.deps import AccountDep, JobCallDep, PrincipalDep, RuntimeDep
from reelforge.api.routers.v2 import with_session_id
from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.jobs.audio_speech import TEXT_TO_SPEECH, TextToSpeechRequest
from reelforge.providers import registry

router = APIRouter(prefix="/v2/external/audio", tags=["v2 media gateway"])


@router.post("/text_to_speech", summary="Speak a text with the deployment's TTS provider (per 1,000 characters)")
def text_to_speech(body: TextToSpeechRequest, call: JobCallDep) -> JSONResponse:
    return with_session_id(call.submit(TEXT_TO_SPEECH, body))


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
