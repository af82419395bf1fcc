"""Typed stage outputs. Each is stored as JSON on the stage's execution record and handed to the
later stages of the same request; ``STAGE`` names the (public) stage that produces it, so a later
stage asks for an earlier one's output by type (:meth:`jobs.base.StageContext.output`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from reelforge.providers.script import Script
from reelforge.sessions.document import CameraMotion


class StageOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    STAGE: ClassVar[str] = ""

    def previews(self, url: Callable[[str], str]) -> list[str]:
        """URLs of what this stage made that a client can look at while the rest runs (its
        ``stage_finished`` event carries them); ``url`` turns a blob key into its URL."""
        return []


class Published(StageOutput):
    """A stage that finishes a request: ``result`` is merged into the request's result and a
    ``final_price`` (when set) settles the charge."""

    result: dict[str, Any]
    final_price: int | None = None
    render: dict[str, Any] | None = None  # spans encoded / re-used (the execution record keeps it)

    def previews(self, url: Callable[[str], str]) -> list[str]:
        return [str(u) for u in self.result.get("result_urls") or [self.result.get("result_url")] if u]


class ScriptOutput(StageOutput):
    STAGE = "prompt_generation"
    language: str
    script: Script
    cta_text_top: str | None = None
    cta_text_bottom: str | None = None


class SpeechTrack(BaseModel):
    key: str
    duration_s: float
    voice: str | None = None
    provider: str | None = None  # the engine that spoke: "piper", "espeak-ng", "openai"
    words: list[tuple[str, float, float]]


class SpeechOutput(StageOutput):
    STAGE = "speech_generation"
    speech: list[SpeechTrack]

    def previews(self, url: Callable[[str], str]) -> list[str]:
        return [url(track.key) for track in self.speech]


class Clip(BaseModel):
    source: str
    motion: CameraMotion


class ClipsOutput(StageOutput):
    STAGE = "ai_video_generation"
    clips: list[Clip]


class SceneImagesOutput(StageOutput):
    STAGE = "image_generation"
    scene_images: list[str]

    def previews(self, url: Callable[[str], str]) -> list[str]:
        return [url(key) for key in self.scene_images]


class Cue(BaseModel):
    text: str
    start: float
    end: float
    type: str = "text"


class TranscriptOutput(StageOutput):
    STAGE = "transcript_generation"
    cues: list[list[Cue]]


class MusicOutput(StageOutput):
    STAGE = "music_generation"
    music_key: str
    duration_s: float

    def previews(self, url: Callable[[str], str]) -> list[str]:
        return [url(self.music_key)]


class CardsOutput(StageOutput):
    """``frame_generation``: the cards a video (or an operation on one) draws: an outro card, one
    footer per scene (``None`` where a scene has none), or one footer for every scene."""

    STAGE = "frame_generation"
    outro_key: str | None = None
    footer_keys: list[str | None] | None = None
    footer_key: str | None = None
    avatar: bool = False

    def previews(self, url: Callable[[str], str]) -> list[str]:
        keys = [self.outro_key, self.footer_key, *(self.footer_keys or [])]
        return [url(key) for key in keys if key]


class EnhancedTilesOutput(StageOutput):
    STAGE = "rollup_enhance_tiles"
    enhanced: dict[str, str]  # input blob key -> enhanced blob key


class CrawlOutput(StageOutput):
    """``embedding_crawl``: the crawled pages' main text (a blob: up to 50 pages) and what was refused."""

    STAGE = "embedding_crawl"
    pages_key: str
    fetched: int
    refused: list[dict[str, Any]]
