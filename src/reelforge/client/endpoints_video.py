"""Video endpoints: what each samsar-js video method sends, as ``Call`` builders.

Bodies are wrapped as ``{"input": {...}, "webhookUrl": ...}`` exactly as samsar-js sends them,
so the same calls work against reelforge and the hosted Samsar API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from reelforge.client import _call
from reelforge.client._call import Call, ReadOptions, T
from reelforge.client.models import Accepted, CancelResult, LatestVersion, SessionList, SupportedFonts, SupportedModels
from reelforge.client.params import (
    AddOutroKwargs,
    ImageListToVideoInput,
    ImageListToVideoKwargs,
    JoinInput,
    JoinKwargs,
    SessionKwargs,
    TextToVideoInput,
    TextToVideoKwargs,
    TranslateKwargs,
    UpdateFooterKwargs,
    UpdateOutroKwargs,
)

SESSION_KEYS = ("videoSessionId", "video_session_id", "session_id", "sessionId", "request_id", "requestId")


def create_video_from_text(
    input: TextToVideoInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[TextToVideoKwargs]
) -> Call[Accepted]:
    """POST /v1/video/create (samsar-js ``createVideoFromText``): a video from a prompt
    (prompt ≤ 500 characters, duration ≤ 120 s)."""
    return _call.post_wrapped("video/create", Accepted, input, kwargs)


def create_text_to_video(
    input: TextToVideoInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[TextToVideoKwargs]
) -> Call[Accepted]:
    """POST /v1/video/text_to_video: a video from a prompt (≤ 1000 characters, duration ≤ 240 s)."""
    return _call.post_wrapped("video/text_to_video", Accepted, input, kwargs)


def create_video_from_image_list(
    input: ImageListToVideoInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[ImageListToVideoKwargs]
) -> Call[Accepted]:
    """POST /v1/video/image_list_to_video (``createVideoFromImageList``): a video from ordered
    images (http(s) or data: URLs, or ``{"image_url", "title"}`` items)."""
    return _call.post_wrapped("video/image_list_to_video", Accepted, input, kwargs)


def _session_call(path: str, model: type[T], input: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> Call[T]:
    """A session operation: the session id goes out as ``videoSessionId`` whatever it was called."""
    fields = {**(input or {}), **kwargs}
    session_id = next((fields.pop(k) for k in list(SESSION_KEYS) if fields.get(k)), None)
    for key in SESSION_KEYS:
        fields.pop(key, None)
    fields = {"videoSessionId": _call.require(session_id, "video_session_id"), **fields}
    return _call.post_wrapped(path, model, None, fields)


def update_video_outro_image(
    input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[UpdateOutroKwargs]
) -> Call[Accepted]:
    """POST /v1/video/update_outro_image: a new session with a replaced or generated (QR CTA) outro."""
    fields = {**(input or {}), **kwargs}
    if "generate_outro_image" not in fields and fields.get("cta_url") and not fields.get("outro_image_url"):
        fields["generate_outro_image"] = True  # samsar-js infers it the same way
    return _session_call("video/update_outro_image", Accepted, None, fields)


def update_video_footer_image(
    input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[UpdateFooterKwargs]
) -> Call[Accepted]:
    """POST /v1/video/update_footer_image: a new footer CTA (``cta_text``, ``cta_logo``, ``cta_url``)
    or none (``remove_footer``)."""
    return _session_call("video/update_footer_image", Accepted, input, kwargs)


def add_video_outro_image(
    input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[AddOutroKwargs]
) -> Call[Accepted]:
    """POST /v1/video/add_outro_image: append (or replace) the outro scene of a session."""
    return _session_call("video/add_outro_image", Accepted, input, kwargs)


def translate_video(input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[TranslateKwargs]) -> Call[Accepted]:
    """POST /v1/video/translate_video: a new session narrated and subtitled in ``language``."""
    return _session_call("video/translate_video", Accepted, input, kwargs)


def clone_video(input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[SessionKwargs]) -> Call[Accepted]:
    """POST /v1/video/clone: a deep copy of a completed session with a fresh render (free)."""
    return _session_call("video/clone", Accepted, input, kwargs)


def remove_subtitles(input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[SessionKwargs]) -> Call[Accepted]:
    """POST /v1/video/remove_subtitles: a clone without subtitle text overlays."""
    return _session_call("video/remove_subtitles", Accepted, input, kwargs)


def add_subtitles(input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[SessionKwargs]) -> Call[Accepted]:
    """POST /v1/video/add_subtitles: a clone with subtitle text overlays."""
    return _session_call("video/add_subtitles", Accepted, input, kwargs)


def cancel_render(input: Mapping[str, Any] | None = None, /, **kwargs: Unpack[SessionKwargs]) -> Call[CancelResult]:
    """POST /v1/video/cancel_render: stop an in-progress render (its charge is refunded)."""
    return _session_call("video/cancel_render", CancelResult, input, kwargs)


def join_videos(input: JoinInput | Mapping[str, Any] | None = None, /, **kwargs: Unpack[JoinKwargs]) -> Call[Accepted]:
    """POST /v1/video/join_videos: one session appending the given completed sessions."""
    return _call.post_wrapped("video/join_videos", Accepted, input, kwargs)


def fetch_latest_video_version(session_id: str, /, **kwargs: Unpack[ReadOptions]) -> Call[LatestVersion]:
    """GET /v1/video/fetch_latest_version: the latest render of a session (202 while pending)."""
    return _call.get(
        "video/fetch_latest_version", LatestVersion, {"session_id": _call.require(session_id, "session_id")}, kwargs
    )


def list_completed_video_sessions(limit: int | None = None, /, **kwargs: Unpack[ReadOptions]) -> Call[SessionList]:
    """GET /v1/video/list_completed_video_sessions: this key's completed sessions."""
    return _call.get("video/list_completed_video_sessions", SessionList, {"limit": limit}, kwargs)


def get_supported_text_to_video_models(**kwargs: Unpack[ReadOptions]) -> Call[SupportedModels]:
    """GET /v1/video/supported_models: image and video model keys usable here."""
    return _call.get("video/supported_models", SupportedModels, None, kwargs)


def get_supported_fonts(**kwargs: Unpack[ReadOptions]) -> Call[SupportedFonts]:
    """GET /v1/supported_fonts: subtitle font keys per language (no auth needed)."""
    return _call.get("supported_fonts", SupportedFonts, None, kwargs)
