"""v2 step mode: which stages a video request is held before until the client calls
``process_next`` (the body's fields, read as samsar-js sends them), and the step state its status
shows. The engine only knows a generic ``pause_before`` list (pipeline/engine.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reelforge.core import requests
from reelforge.db.models import Request, wire_time
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.video.options import ImageListToVideoRequest, TextToVideoRequest

# samsar-js's default manual stage: review the stills and narration before image-to-video.
DEFAULT_MANUAL_STAGES = ("ai_video_generation",)

STEP_LABELS = {
    "prompt_generation": "Script",
    "image_generation": "Scene images",
    "speech_generation": "Narration",
    "music_generation": "Music",
    "ai_video_generation": "Image to video",
    "transcript_generation": "Subtitles",
    "frame_generation": "Cards",
    "video_generation": "Final render",
}


class StepFields(RequestBody):
    """``stepMode`` / ``auto_render_full_video`` / ``manual_step_stages``, at the top level or
    inside ``input`` (samsar-js sends both). Excluded from dumps: they become the request's
    ``pause_before``, not part of the kind's input."""

    step_mode: Literal["one_step", "two_step"] | None = Field(
        None, validation_alias=aliases("stepMode", "step_mode"), exclude=True
    )
    auto_render_full_video: bool | None = Field(
        None, validation_alias=aliases("auto_render_full_video", "autoRenderFullVideo"), exclude=True
    )
    manual_step_stages: list[str] | None = Field(
        None, validation_alias=aliases("manual_step_stages", "manualStepStages"), exclude=True
    )

    @field_validator("manual_step_stages", mode="before")
    @classmethod
    def _stage_list(cls, value: Any) -> Any:
        """A list, a comma-separated string, a ``{stage: true}`` map, or null/false (none)."""
        if value is None or value is False:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, dict):
            return [stage.strip() for stage, on in value.items() if on in (True, "true", 1, "1")]
        return value

    def fingerprint_payload(self) -> dict[str, Any]:
        # The step fields are excluded from dumps; a replayed Idempotency-Key must still match them.
        held = self.pause_before() if self.asked_for_steps() else None
        return {**super().fingerprint_payload(), "pause_before": held}

    def asked_for_steps(self) -> bool:
        return any(v is not None for v in (self.step_mode, self.auto_render_full_video, self.manual_step_stages))

    def pause_before(self) -> list[str]:
        """The stages to hold, by samsar-js's own rule: a mode decides; else an explicit
        ``auto_render_full_video``; else manual stages given mean manual; else straight through."""
        if self.step_mode is not None:
            auto = self.step_mode == "one_step"
        elif self.auto_render_full_video is not None:
            auto = self.auto_render_full_video
        else:
            auto = self.manual_step_stages is None
        if auto:
            return []
        return list(self.manual_step_stages or DEFAULT_MANUAL_STAGES)


class StepTextToVideoRequest(StepFields, TextToVideoRequest):
    pass


SINGLE_IMAGE_FIELDS = (
    "image_url", "imageUrl", "image", "start_image_url", "startImageUrl", "start_image", "startImage"
)


class StepImageToVideoRequest(StepFields, ImageListToVideoRequest):
    """``image_urls``, or one image under samsar-js's single-image names (``image_url``…)."""

    @model_validator(mode="before")
    @classmethod
    def _single_image(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        wrapped = isinstance(data.get("input"), dict)
        fields = data["input"] if wrapped else data
        if not fields.get("image_urls") and not fields.get("imageUrls"):
            single = next((fields[k] for k in SINGLE_IMAGE_FIELDS if isinstance(fields.get(k), str)), None)
            if single:
                fields = {**fields, "image_urls": [single]}
                return {**data, "input": fields} if wrapped else fields
        return data


def is_step_request(req: Request) -> bool:
    return "pause_before" in req.input


def step_state(req: Request, stages: dict[str, str]) -> dict[str, Any]:
    """The step fields of a step request's status (samsar-js's ``V2StepVideoStatusResponse``)."""
    plan = [name for group in req.input.get("plan", []) for name in group]
    manual = list(req.input.get("pause_before") or [])
    paused = [name for name in plan if stages.get(name) == requests.PAUSED]
    waiting = req.status == "PENDING" and bool(paused)
    current = _current_step(req.status, plan, stages)
    later = plan[plan.index(current) + 1:] if current in plan else []
    upcoming = [name for name in later if stages.get(name) not in ("COMPLETED", "FAILED")]
    next_step = paused[0] if waiting else (upcoming[0] if upcoming and req.status == "PENDING" else None)
    step_status = "WAITING_FOR_PROCESS_NEXT" if waiting else req.status
    updated = req.updated_at or req.created_at
    state = {
        "enabled": True,
        "route_type": "image_to_video" if req.case_type == "image_list_to_video" else req.case_type,
        "status": step_status,
        "current_step": current,
        "current_step_label": STEP_LABELS.get(current or ""),
        "next_step": next_step,
        "manual_step_stages": manual,
        "auto_advance_step_stages": [name for name in plan if name not in manual],
        "waiting_for_process_next": waiting,
        "requires_user_action": waiting,
        "can_process_next": waiting,
        "updated_at": wire_time(updated),
    }
    return {
        "step_status": step_status,
        "current_step": current,
        "current_step_label": state["current_step_label"],
        "next_step": next_step,
        "waiting_for_process_next": waiting,
        "can_process_next": waiting,
        "process_next_url": f"/v2/video/step/{req.id}/process_next",
        "step": state,
    }


def _current_step(status: str, plan: list[str], stages: dict[str, str]) -> str | None:
    """The stage the request is at: a running or held one, else the first not yet run; the last
    stage once the request has ended."""
    if status != "PENDING":
        return plan[-1] if plan else None
    for name in plan:
        if stages.get(name) in ("IN_PROGRESS", requests.PAUSED):
            return name
    return next((name for name in plan if stages.get(name) != "COMPLETED"), None)


def paused_stages(req: Request, stages: dict[str, str]) -> list[str]:
    """The stages the request is held before (in plan order), if it is held."""
    if req.status != "PENDING":
        return []
    plan = [name for group in req.input.get("plan", []) for name in group]
    return [name for name in plan if stages.get(name) == requests.PAUSED]
