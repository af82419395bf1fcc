"""The media gateway's image and video routes (``/v2/external/image/*``, ``/v2/external/video/*``)
and ``/v2/video/regenerate_avatar``'s neighbours: the same kinds as ``/v1`` and ``/v2`` where one
exists (image generation, enhance, branding, image sets, roll-up banners; text and image to video),
the gateway's own video-to-video kinds (lip sync, sound-effect video), and their status routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.api.routers import v2
from reelforge.api.routers.v2 import detailed_with_steps, status_with_steps, with_session_id
from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.principals import Owner
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.image_branding import REMOVE_BRANDING, RemoveBrandingRequest
from reelforge.jobs.image_enhance import IMAGE_ENHANCE, EnhanceRequest
from reelforge.jobs.image_generate import TEXT_TO_IMAGE, TextToImageRequest
from reelforge.jobs.image_set import IMAGE_SET, ImageSetRequest
from reelforge.jobs.rollup import ROLLUP_BANNER, RollupRequest
from reelforge.jobs.video_gateway import LIP_SYNC, SOUND_EFFECT_VIDEO, LipSyncRequest, SoundEffectVideoRequest
from reelforge.runtime import Runtime

image = APIRouter(prefix="/v2/external/image", tags=["v2 media gateway"])
video = APIRouter(prefix="/v2/external/video", tags=["v2 media gateway"])


def _owned(rt: Runtime, owner: Owner, request_id: str | None, media_type: str) -> RequestRow:
    req = requests.get_owned(rt.db, owner, request_id)
    if req.type != media_type:
        raise BadRequest(f"{req.id} is not an {media_type} request; see GET /v2/status.", field="request_id")
    return req


# --- images --------------------------------------------------------------------------------------

add_job_routes(image, [
    JobRoute("/text_to_image", TEXT_TO_IMAGE, TextToImageRequest,
             "Images from a prompt, by the provider the image_model key resolves to",
             aliases=("/generate", "/generate_image", "/image_generation"), reshape=with_session_id),
    JobRoute("/enhance", IMAGE_ENHANCE, EnhanceRequest, "Upscale and denoise an image (as /v1/image/enhance)",
             reshape=with_session_id),
    JobRoute("/remove_branding", REMOVE_BRANDING, RemoveBrandingRequest,
             "Remove watermarks and logos (as /v1/image/remove_branding)", reshape=with_session_id),
    JobRoute("/add_image_set", IMAGE_SET, ImageSetRequest, "Variants of a set of images (as /v1/image/add_image_set)",
             reshape=with_session_id),
    JobRoute("/create_rollup_banner", ROLLUP_BANNER, RollupRequest,
             "A tiled roll-up banner (as /v1/image/create_rollup_banner)", reshape=with_session_id),
])


@image.get("/status", summary="Status of an image request")
def image_status(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    return requests.status_body(rt.db, _owned(rt, principal.owner, request_id or session_id, "image"))


# --- videos --------------------------------------------------------------------------------------


# samsar-js sends these the input shape of createVideoFromText / createVideoFromImageList: the same endpoints.
video.add_api_route("/text_to_video", v2.text_to_video, methods=["POST"],
                    summary="A video from a prompt (as /v2/text_to_video, step mode included)")
video.add_api_route("/image_to_video", v2.image_list_to_video, methods=["POST"],
                    summary="A video from an image or images (as /v2/image_list_to_video, step mode included)")


add_job_routes(video, [
    JobRoute("/lip_sync", LIP_SYNC, LipSyncRequest,
             "A narrator still (video_url's first frame) animated to audio_url's speech (4 credits per second)",
             aliases=("/lipsync", "/lip_sync_video"), reshape=with_session_id),
    JobRoute("/sound_effect", SOUND_EFFECT_VIDEO, SoundEffectVideoRequest,
             "video_url with a sound effect synthesised from the prompt laid under it (1 credit per second)",
             aliases=("/sound_effects", "/sound_effect_video"), reshape=with_session_id),
])


@video.get("/status", summary="Status of a video request")
def video_status(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    return status_with_steps(rt, _owned(rt, principal.owner, request_id or session_id, "video"))


@video.get("/status_detailed", summary="Status of a video request with its session preview")
def video_status_detailed(
    rt: RuntimeDep, principal: PrincipalDep, request_id: str | None = None, session_id: str | None = None
) -> dict[str, Any]:
    req = _owned(rt, principal.owner, request_id or session_id, "video")
    if req.case_type in (LIP_SYNC.case_type, SOUND_EFFECT_VIDEO.case_type):
        # Lip sync and sound-effect videos have no session timeline to preview: their status is all there is.
        return status_with_steps(rt, req)
    return detailed_with_steps(rt, req)
