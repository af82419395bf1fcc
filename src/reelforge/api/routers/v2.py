"""``/v2/*`` video and image routes (samsar-js's "omni" surface): the same kinds as ``/v1`` with
the v2 response shapes, the detailed status with its session preview, and step mode (a request
held before chosen stages until ``process_next``).

External users: a job route acts for the external user the body names (``externalUser`` /
``external_user``, or samsar-js's flattened form) or whose credential calls (api/deps.acting_principal),
charging their wallet; every read checks ownership through the caller's principal.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from reelforge.api.deps import (
    ActingDep,
    ExternalDep,
    JobCallDep,
    PrincipalDep,
    RuntimeDep,
)
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.routers.external_users import summary as external_user_summary
from reelforge.api.routers.image_ops import SYNC_JOB_RESPONSES, title_body
from reelforge.api.routers.status import StatusReadDep
from reelforge.api.routers.video import cancel_session
from reelforge.core import ledger, requests
from reelforge.core.errors import BadRequest
from reelforge.core.principals import Owner
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.image_title import ASSIGN_TITLE
from reelforge.jobs.session_ops.base import SessionRef
from reelforge.jobs.session_ops.copies import CLONE
from reelforge.jobs.session_ops.footer import UPDATE_FOOTER_IMAGE, FooterUpdate
from reelforge.jobs.session_ops.join import JOIN_VIDEOS, Join
from reelforge.jobs.session_ops.outro import ADD_OUTRO_IMAGE, UPDATE_OUTRO_IMAGE, AddOutro, OutroUpdate
from reelforge.jobs.session_ops.translate import TRANSLATE, Translate
from reelforge.jobs.video import steps
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO, TEXT_TO_VIDEO
from reelforge.jobs.video.preview import detailed_status
from reelforge.jobs.video.steps import StepImageToVideoRequest, StepTextToVideoRequest
from reelforge.pipeline import engine
from reelforge.runtime import Runtime
from reelforge.storage.fetch import fetch_image

router = APIRouter(prefix="/v2", tags=["v2"])
external_v1 = APIRouter(prefix="/v1/external_users", tags=["v2"])

MAX_UPLOADS = 40


def with_session_id(answer: JSONResponse, extra: dict[str, Any] | None = None) -> JSONResponse:
    """An accepted body in v2's shape: ``sessionID`` beside ``request_id`` / ``session_id``."""
    if answer.status_code != 200:
        return answer
    body = json.loads(bytes(answer.body))
    if body.get("quote_only"):  # a price, not an accepted request: no session to name
        return answer
    body.setdefault("sessionID", body.get("session_id"))
    body.update(extra or {})
    headers = {k: v for k, v in answer.headers.items() if k.startswith("x-") or k == "idempotent-replayed"}
    return JSONResponse(body, status_code=answer.status_code, headers=headers)


# --- generation ----------------------------------------------------------------------------------


@router.post("/text_to_video", summary="Generate a video from a prompt (as /v1/video/text_to_video)")
def text_to_video(body: StepTextToVideoRequest, call: JobCallDep) -> JSONResponse:
    pause = body.pause_before() if body.asked_for_steps() else None
    return with_session_id(call.submit(TEXT_TO_VIDEO, body, pause_before=pause))


@router.post("/image_list_to_video", summary="Generate a video from images (as /v1/video/image_list_to_video)")
def image_list_to_video(body: StepImageToVideoRequest, call: JobCallDep) -> JSONResponse:
    pause = body.pause_before() if body.asked_for_steps() else None
    return with_session_id(call.submit(IMAGE_LIST_TO_VIDEO, body, pause_before=pause))


# --- session operations --------------------------------------------------------------------------


add_job_routes(
    router,
    [
        JobRoute(
            "/translate_video",
            TRANSLATE,
            Translate,
            "A new session narrated and subtitled in another language",
            reshape=with_session_id,
        ),
        JobRoute("/join_videos", JOIN_VIDEOS, Join, "Join completed sessions in order", reshape=with_session_id),
        JobRoute(
            "/video/clone",
            CLONE,
            SessionRef,
            "Deep copy of a completed session with a fresh render (free)",
            reshape=with_session_id,
        ),
        JobRoute(
            "/update_outro_image",
            UPDATE_OUTRO_IMAGE,
            OutroUpdate,
            "Clone a session with a new outro image or a generated QR outro",
            reshape=with_session_id,
        ),
        JobRoute(
            "/update_footer_image",
            UPDATE_FOOTER_IMAGE,
            FooterUpdate,
            "Clone a session with a new footer CTA, or without footers",
            reshape=with_session_id,
        ),
        JobRoute(
            "/add_outro_image",
            ADD_OUTRO_IMAGE,
            AddOutro,
            "Clone a session and add or replace its outro image",
            reshape=with_session_id,
        ),
    ],
)


@router.post("/cancel_render", summary="Cancel an in-progress render, a paused step request too (refunded)")
def cancel_render(body: SessionRef, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    answer = cancel_session(rt, principal.owner, body.session_id)
    return {**answer, "sessionID": answer["session_id"]}


# --- images --------------------------------------------------------------------------------------


@router.post(
    "/image/assign_title", summary="A short SEO title for an image (free, synchronous)", responses=SYNC_JOB_RESPONSES
)
async def assign_image_title(request: Request, call: JobCallDep) -> JSONResponse:
    body = await title_body(request, call.rt)
    return await call.submit_and_wait_async(ASSIGN_TITLE, body)


class UploadImageData(RequestBody):
    image_data: list[str] = Field(
        ..., min_length=1, max_length=MAX_UPLOADS, validation_alias=aliases("image_data", "imageData")
    )


def _store_uploads(rt: Runtime, account_id: str, body: UploadImageData) -> dict[str, Any]:
    """Decode each data URL as an image (400 naming the item otherwise) and store it under a random
    name of the account; the URLs answered can be used as image URLs in later requests."""
    urls = []
    for i, data_url in enumerate(body.image_data):
        field = f"image_data[{i}]"
        if not data_url.startswith("data:"):
            raise BadRequest(f"{field} must be a data: URL.", field=field)
        data, img = fetch_image(data_url, rt.fetch_policy, field)
        suffix = "." + (img.format or "img").lower().replace("jpeg", "jpg")
        key = rt.blobs.put_bytes(f"uploads/{account_id}/{secrets.token_urlsafe(16)}{suffix}", data)
        urls.append(rt.blobs.url(key))
    return {"image_urls": urls}


@router.post("/upload_image_data", summary="Store data-URL images; answers their URLs (free)")
def upload_image_data(body: UploadImageData, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    return _store_uploads(rt, principal.account_id, body)


@external_v1.post("/upload_image_data", summary="Store data-URL images for an external user (free)")
def external_upload_image_data(body: UploadImageData, rt: RuntimeDep, principal: ExternalDep) -> dict[str, Any]:
    # The body's external_user names who the images are for; the stored names are the account's either
    # way (random, so unguessable by the account's other users).
    return _store_uploads(rt, principal.account_id, body)


# --- session and status --------------------------------------------------------------------------


@router.post("/session", summary="Who the calling credential is, and its credits (an external user's own)")
def session(rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    account, user = principal.account, principal.external_user
    if user is None:
        return {
            "account_type": "internal",
            "auth_type": principal.credential,
            "user": {"id": account.id, "email": None, "displayName": account.name, "username": account.name},
            "external_api_key": None,
            "external_user": None,
            "externalUser": None,
            "remainingCredits": ledger.balance(rt.db, account.id),
        }
    info = external_user_summary(rt, user)
    return {
        "account_type": "external",
        "auth_type": principal.credential,
        "user": {"id": user.id, "email": user.profile.get("email"), "displayName": user.profile.get("display_name"),
                 "username": user.profile.get("username")},
        "external_api_key": None,  # issued only by /v1/external_users/session, shown once there
        "external_user": info,
        "externalUser": info,
        "remainingCredits": info["credits"],
    }


def status_with_steps(rt: Runtime, req: RequestRow) -> dict[str, Any]:
    body = requests.status_body(rt.db, req)
    if steps.is_step_request(req):
        body.update(steps.step_state(req, body.get("expressGenerationStatus") or dict(req.stages)))
    return body


def detailed_with_steps(rt: Runtime, req: RequestRow) -> dict[str, Any]:
    body = detailed_status(rt, req)
    if steps.is_step_request(req):
        body.update(steps.step_state(req, body["session"]["stages"]))
    return body


@router.get("/status", summary="Status of any request")
async def status(request: Request, read: StatusReadDep) -> dict[str, Any]:
    rt: Runtime = request.app.state.rt
    body = await read.body()
    if body.get("status") == "PENDING" or body.get("case_type") in ("text_to_video", "image_list_to_video"):
        # Step requests add their step state (the hot path above stays one query for the rest).
        req = await run_in_threadpool(requests.get, rt.db, body["request_id"])
        if steps.is_step_request(req):
            return await run_in_threadpool(status_with_steps, rt, req)
    return body


@router.get("/status_detailed", summary="Status plus the session preview: layers with previews as they land")
def status_detailed(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    return detailed_with_steps(rt, requests.get_owned(rt.db, principal.owner, request_id or session_id))


# --- step mode -----------------------------------------------------------------------------------


def _step_create(call: Any, kind: Any, body: StepTextToVideoRequest | StepImageToVideoRequest) -> JSONResponse:
    answer = call.submit(kind, body, pause_before=body.pause_before())
    if answer.status_code != 200 or body.quote_only:
        return answer
    req = requests.get(call.rt.db, json.loads(bytes(answer.body))["request_id"])
    state = steps.step_state(req, requests.live_stages(call.rt.db, req))
    return with_session_id(answer, {"status": req.status, "step": state["step"]})


@router.post("/video/step/text_to_video", summary="Text to video in step mode (one step unless asked otherwise)")
def step_text_to_video(body: StepTextToVideoRequest, call: JobCallDep) -> JSONResponse:
    return _step_create(call, TEXT_TO_VIDEO, body)


@router.post("/video/step/image_to_video", summary="Image(s) to video in step mode")
def step_image_to_video(body: StepImageToVideoRequest, call: JobCallDep) -> JSONResponse:
    return _step_create(call, IMAGE_LIST_TO_VIDEO, body)


def _owned_step(rt: Runtime, owner: Owner, request_id: str) -> RequestRow:
    req = requests.get_owned(rt.db, owner, request_id)
    if not steps.is_step_request(req):
        raise BadRequest(f"{request_id} is not a step video request.", field="request_id")
    return req


@router.get("/video/step/{request_id}/status", summary="Status of a step video request")
def step_status(request_id: str, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return status_with_steps(rt, _owned_step(rt, principal.owner, request_id))


@router.get("/video/step/{request_id}/status_detailed", summary="Detailed status of a step video request")
def step_status_detailed(request_id: str, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return detailed_with_steps(rt, _owned_step(rt, principal.owner, request_id))


@router.post("/video/step/{request_id}/process_next", summary="Resume a step request held for approval (free)")
def process_next(request_id: str, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    req = _owned_step(rt, principal.owner, request_id)
    held = steps.paused_stages(req, requests.live_stages(rt.db, req))
    if not held:
        raise BadRequest(f"{request_id} is {req.status} and not waiting for process_next.", field="request_id")
    # Nothing is charged here: the request was charged once, when it was accepted.
    engine.process_next(req.id, held)
    return status_with_steps(rt, requests.get(rt.db, req.id))
