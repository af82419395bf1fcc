"""What a video request runs: its stage plan, its scene timing and its price.

Pure functions of the request, so the route (estimate), the stages (timing) and the final
settlement (price of the rendered duration) agree by construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from reelforge.core.pricing import PriceTable
from reelforge.pipeline.registry import Plan

SCENE_SECONDS = 5.0  # the target length of an image-list scene
SCENE_PADDING_S = 0.6  # silence after each narration before the next scene
OUTRO_SECONDS = 3.0
MAX_SCENES = 24

TEXT_TO_VIDEO_PLAN: Plan = [
    ["prompt_generation"],
    ["image_generation", "speech_generation"],
    ["music_generation", "ai_video_generation", "transcript_generation", "frame_generation"],
    ["video_generation"],
]
IMAGE_LIST_PLAN: Plan = [
    ["prompt_generation"],
    ["speech_generation", "ai_video_generation", "frame_generation"],
    ["music_generation", "transcript_generation"],
    ["video_generation"],
]


def scene_count_for_duration(duration_s: float) -> int:
    return max(1, min(MAX_SCENES, math.ceil(duration_s / 6.0)))


def has_outro(opts: dict[str, Any]) -> bool:
    return bool(opts.get("outro_key") or opts.get("generate_outro_image"))


def estimated_duration(opts: dict[str, Any], n_scenes: int) -> float:
    body = float(opts["duration"]) if opts.get("duration") else n_scenes * SCENE_SECONDS
    return body + (OUTRO_SECONDS if has_outro(opts) else 0.0)


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


def video_price(prices: PriceTable, opts: dict[str, Any], seconds: float) -> int:
    """Credits for ``seconds`` of rendered video: model rate × seconds (× image-model multiplier),
    plus per-second add-ons (narrator avatar, express CTA)."""
    rate = prices.video_model_rate(opts.get("video_model", "LOCAL"))
    total = rate * seconds * prices.image_model_multiplier(opts.get("image_model", "LOCAL"))
    if opts.get("add_narrator_avatar"):
        total += prices.addon_rate("narrator_avatar") * seconds
    if opts.get("express_cta_generation"):
        total += prices.addon_rate("express_cta") * seconds
    return math.ceil(total)
