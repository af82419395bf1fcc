"""The stored input of a video request, and what follows from it alone: scene timing and price.

Pure functions of the input, so the route (estimate), the stages (timing) and the final
settlement (price of the rendered duration) agree by construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput
from reelforge.sessions.document import DEFAULT_FPS, FocusArea

SCENE_SECONDS = 5.0  # the target length of an image-list scene
SCENE_PADDING_S = 0.6  # silence after each narration before the next scene
OUTRO_SECONDS = 3.0
MAX_SCENES = 24


class SceneImage(BaseModel):
    key: str  # blob key of the stored input image
    title: str | None = None


class GivenScene(BaseModel):
    """A scene of a script written before the request (a narrative): narrated as written."""

    narration: str
    title: str = ""


class Footer(BaseModel):
    url: str | None = None
    text: str | None = None


class VideoJob(JobInput):
    """text_to_video / image_list_to_video: the body's options, normalised, with media as blob keys."""

    prompt: str | None = None
    language: str  # resolved: never "auto"
    enable_subtitles: bool = True
    font_key: str | None = None
    aspect_ratio: str = "16:9"
    canvas: tuple[int, int]
    fps: int = DEFAULT_FPS  # the server's settings.video_fps when the request was accepted
    tone: str = "grounded"
    metadata: dict[str, Any] = {}
    video_model: str = "RUNWAYML"
    image_model: str = "GPTIMAGE1"
    # What served each stage ("LOCAL (offline default for RUNWAYML)", "OPENAI gpt-image-1 (for
    # GPTIMAGE1)"), fixed when the request is accepted and shown in its result.
    providers: dict[str, str] = {}
    # legacy POST /v1/video/create is priced per legacy-video-api-v0.md (one rate for every model).
    pricing: Literal["per_model", "legacy"] = "per_model"
    duration: float | None = None  # text_to_video's requested length; image lists follow the narration
    images: list[SceneImage] = []
    outro_key: str | None = None
    outro_image_url: str | None = None  # as sent (data: URLs summarised), for the record
    cta_logo_key: str | None = None
    add_outro_animation: bool = False
    add_outro_focus_area: bool = False
    outro_focus_area: FocusArea | None = None
    generate_outro_image: bool = False
    cta_url: str | None = None
    cta_text_top: str | None = None
    cta_text_bottom: str | None = None
    express_cta_generation: bool = False
    add_footer_animation: bool = False
    footer_metadata: list[Footer] = []
    limit_single_narrator: bool = False
    add_narrator_avatar: bool = False
    # A script written beforehand (narrative to video): the script stage uses it instead of writing one.
    given_scenes: list[GivenScene] = []

    @property
    def has_outro(self) -> bool:
        return bool(self.outro_key or self.generate_outro_image)

    @property
    def scene_count(self) -> int:
        return len(self.images) or len(self.given_scenes) or scene_count_for_duration(self.duration or SCENE_SECONDS)

    @property
    def focus_area(self) -> FocusArea | None:
        """The outro's focus area, when the client asked for it to be used."""
        return self.outro_focus_area if self.add_outro_focus_area else None

    def estimated_duration(self) -> float:
        body = self.duration if self.duration else self.scene_count * SCENE_SECONDS
        return body + (OUTRO_SECONDS if self.has_outro else 0.0)

    def scene_footers(self, footer_texts: Sequence[str | None]) -> list[Footer | None]:
        """One footer per scene: a single ``footer_metadata`` item applies to every scene, several map
        by index; express CTA fills them from ``cta_url`` and the script's per-scene footer texts."""
        return scene_footers(self, footer_texts)


class FooterOptions(Protocol):
    add_footer_animation: bool
    express_cta_generation: bool
    footer_metadata: list[Footer]
    cta_url: str | None


def scene_footers(options: FooterOptions, footer_texts: Sequence[str | None]) -> list[Footer | None]:
    """See :meth:`VideoJob.scene_footers` (translations re-draw footers by the same rule)."""
    if not (options.add_footer_animation or options.express_cta_generation):
        return [None] * len(footer_texts)
    items = options.footer_metadata
    out: list[Footer | None] = []
    for i, scene_text in enumerate(footer_texts):
        item = items[0] if len(items) == 1 else (items[i] if i < len(items) else None)
        url, text = (item.url, item.text) if item else (None, None)
        if options.express_cta_generation:
            url, text = url or options.cta_url, text or scene_text
        out.append(Footer(url=url, text=text or "") if url and (item or options.express_cta_generation) else None)
    return out


def scene_count_for_duration(duration_s: float) -> int:
    return max(1, min(MAX_SCENES, math.ceil(duration_s / 6.0)))


def scene_durations(speech_s: Sequence[float], target_total_s: float | None) -> list[float]:
    """Each scene lasts at least its narration plus a breath; a requested total stretches them evenly."""
    minimum = [s + SCENE_PADDING_S for s in speech_s]
    if not target_total_s:
        return [max(m, SCENE_SECONDS) for m in minimum]
    even = target_total_s / len(speech_s)
    return [max(m, even) for m in minimum]


def scene_windows(durations: Sequence[float]) -> list[tuple[float, float]]:
    out, t = [], 0.0
    for d in durations:
        out.append((round(t, 3), round(t + d, 3)))
        t += d
    return out


def video_price(prices: PriceTable, job: VideoJob, seconds: float) -> int:
    """Credits for ``seconds`` of rendered video: the model's charge for that length (× the
    image-model multiplier, HUNYUAN 1.5), plus per-second add-ons (narrator avatar, express CTA)."""
    if job.pricing == "legacy":
        model_charge: float = prices.per_second("legacy_create", seconds)
    else:
        model_charge = prices.video_model_charge(job.video_model, seconds)
    total = model_charge * prices.image_model_multiplier(job.image_model)
    if job.add_narrator_avatar:
        total += prices.addon_rate("narrator_avatar") * seconds
    if job.express_cta_generation:
        total += prices.addon_rate("express_cta") * seconds
    return math.ceil(total)
