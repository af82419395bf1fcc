"""The session document: a video's timeline, stored per version and transformed by session operations.

Times are seconds. Layer ``start``/``end`` are absolute on the output timeline; layers are contiguous
(each starts where the previous ends). A transition into a layer happens during the last
``transition_in.duration`` seconds of the *previous* layer, so it never changes the total duration.
Subtitle items (``activeItemList``) are timed relative to their layer's start, so moving a layer
(outro replacement, join) never re-times its captions.

Media references (clips, cards, audio) are opaque strings (blob keys); the renderer turns them into
files through a ``resolve_media`` callable.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AspectRatio = Literal["16:9", "9:16"]
LayerKind = Literal["scene", "outro"]
CameraMotion = Literal["none", "push_in", "push_out", "pan_left", "pan_right", "pan_up", "pan_down"]
ClipType = Literal["image", "video"]
AudioKind = Literal["speech", "music"]

CANVAS_SIZES: dict[str, tuple[int, int]] = {"16:9": (1792, 1024), "9:16": (1024, 1792)}
DEFAULT_FPS = 30
OUTRO_FADE_IN_S = 0.5


def canvas_size_for(aspect_ratio: str) -> tuple[int, int]:
    """Canvas (width, height) for a Samsar aspect ratio; unknown ratios fall back to 16:9 (spec)."""
    return CANVAS_SIZES.get(aspect_ratio, CANVAS_SIZES["16:9"])


class _Model(BaseModel):
    # populate_by_name: accept both the Python field name and the Samsar wire alias.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Canvas(_Model):
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: int = Field(default=DEFAULT_FPS, gt=0, le=120)

    @classmethod
    def for_aspect_ratio(cls, aspect_ratio: str, fps: int = DEFAULT_FPS) -> Canvas:
        width, height = canvas_size_for(aspect_ratio)
        return cls(width=width, height=height, fps=fps)

    @property
    def aspect_ratio(self) -> AspectRatio:
        return "9:16" if self.height > self.width else "16:9"


class FocusArea(_Model):
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)

    def fits(self, canvas: Canvas) -> bool:
        return self.x + self.width <= canvas.width and self.y + self.height <= canvas.height


class TextItem(_Model):
    """A subtitle cue: Samsar's ``activeItemList`` item of ``type: "text"``; times relative to the layer."""

    type: Literal["text"] = "text"
    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> TextItem:
        if self.end < self.start:
            raise ValueError("text item end must not precede its start")
        return self


class Transition(_Model):
    kind: Literal["fade"] = "fade"
    duration: float = Field(default=OUTRO_FADE_IN_S, gt=0)


class OutroOptions(_Model):
    animation: bool = False  # fade-to-black overlay during the outro
    focus_area: FocusArea | None = None  # region kept lit while the rest fades to black


class CarryOver(_Model):
    """An image shown over the start of a layer and faded out (join with ``blend_scenes``)."""

    image: str
    duration: float = Field(default=1.0, gt=0)


class Layer(_Model):
    id: str
    kind: LayerKind = "scene"
    start: float = Field(ge=0)
    end: float = Field(gt=0)
    clip: str  # media ref of the still image (or video clip) shown in this layer
    clip_type: ClipType = "image"
    camera_motion: CameraMotion = "none"
    narration: str = ""
    title: str = ""
    active_items: list[TextItem] = Field(default_factory=list, alias="activeItemList")
    footer: str | None = None  # media ref of a footer card overlaid at the bottom
    transition_in: Transition | None = None
    outro: OutroOptions | None = None  # only meaningful for kind == "outro"
    carry_over: CarryOver | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def subtitles(self) -> list[TextItem]:
        return [item for item in self.active_items if item.type == "text"]

    @model_validator(mode="after")
    def _positive_duration(self) -> Layer:
        if self.end <= self.start:
            raise ValueError(f"layer {self.id!r} must end after it starts")
        if self.transition_in and self.transition_in.duration > self.duration:
            raise ValueError(f"layer {self.id!r} transition is longer than the layer")
        return self


class AudioLayer(_Model):
    id: str
    kind: AudioKind
    source: str  # media ref of the audio file
    start: float = Field(default=0.0, ge=0)  # timeline position
    duration: float | None = Field(default=None, gt=0)  # None = the source's own length
    offset: float = Field(default=0.0, ge=0)  # seconds skipped at the source's start
    gain_db: float = 0.0
    fade_in: float = Field(default=0.0, ge=0)
    fade_out: float = Field(default=0.0, ge=0)
    loop: bool = False  # repeat the source to fill ``duration`` (music beds)
    layer_id: str | None = None  # the scene this speech belongs to, when per scene


class SessionDocument(_Model):
    """One version of a video session's timeline."""

    schema_version: int = 1
    canvas: Canvas = Field(default_factory=lambda: Canvas.for_aspect_ratio("16:9"))
    language: str = "en"
    font_key: str | None = None  # None = the language's default font
    subtitles: bool = True
    layers: list[Layer] = Field(default_factory=list)
    audio: list[AudioLayer] = Field(default_factory=list)

    @model_validator(mode="after")
    def _contiguous(self) -> SessionDocument:
        for previous, layer in zip(self.layers, self.layers[1:], strict=False):
            if abs(layer.start - previous.end) > 1e-6:
                raise ValueError(f"layer {layer.id!r} must start where {previous.id!r} ends")
        return self

    @property
    def duration(self) -> float:
        return self.layers[-1].end if self.layers else 0.0

    @property
    def aspect_ratio(self) -> AspectRatio:
        return self.canvas.aspect_ratio

    @property
    def outro(self) -> Layer | None:
        return self.layers[-1] if self.layers and self.layers[-1].kind == "outro" else None

    @property
    def scenes(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == "scene"]

    @property
    def has_subtitles(self) -> bool:
        return self.subtitles and any(layer.subtitles for layer in self.layers)

    def to_json_dict(self) -> dict[str, Any]:
        """The stored/wire form (Samsar aliases such as ``activeItemList``)."""
        return self.model_dump(mode="json", by_alias=True)
