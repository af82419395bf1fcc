"""Request bodies of the video routes: every documented field and alias, validated and normalised
per spec in this one place (the stages see only :class:`jobs.video.job.VideoJob`)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, Field, StrictBool, field_validator, model_validator

from reelforge.jobs.body import RequestBody, aliases
from reelforge.providers.registry import DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL
from reelforge.sessions.document import CANVAS_SIZES, FocusArea
from reelforge.text.languages import SUPPORTED_LANGUAGES

LANGUAGE_CHOICES = ("auto", *SUPPORTED_LANGUAGES)
CANVAS = CANVAS_SIZES


def _http_url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http(s) URL")
    return value


class FooterItem(BaseModel):
    """One footer card: ``url`` (also ``cta_url`` / ``ctaUrl``) and its text (also ``cta_text``,
    ``title`` or ``label``)."""

    url: str | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        url = next((value[k] for k in ("url", "cta_url", "ctaUrl") if value.get(k)), None)
        text = next((value[k] for k in ("text", "cta_text", "title", "label") if value.get(k)), None)
        return {"url": url, "text": text}

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return _http_url(value, "url")


class ImageItem(BaseModel):
    url: str
    title: str | None = None


class _FocusFields(Protocol):
    add_outro_animation: bool
    add_outro_focus_area: bool
    outro_focus_area: FocusArea | None


def check_focus_area(body: _FocusFields) -> None:
    """``add_outro_focus_area`` without an area is ignored (samsar-js's express-CTA call sends the
    flag alone); an area needs ``add_outro_animation``, which it highlights."""
    if body.add_outro_focus_area and body.outro_focus_area is None:
        body.add_outro_focus_area = False
    if body.add_outro_focus_area and not body.add_outro_animation:
        raise ValueError("add_outro_animation: must be true to use add_outro_focus_area with outro_focust_area")


class VideoOptions(RequestBody):
    """Fields shared by text_to_video, image_list_to_video and the legacy create route."""

    prompt: str | None = Field(None, max_length=1000)
    language: str = "auto"
    enable_subtitles: StrictBool = Field(
        True, validation_alias=aliases("enable_subtitles", "add_subtitles", "enableSubtitles")
    )
    font_key: str | None = Field(None, validation_alias=aliases("font_key", "fontKey"))
    aspect_ratio: str = Field("16:9", validation_alias=aliases("aspect_ratio", "aspectRatio"))
    tone: str = Field("grounded", max_length=40)
    metadata: dict[str, Any] = Field(default_factory=dict)
    video_model: str = Field(DEFAULT_VIDEO_MODEL, validation_alias=aliases("video_model", "videoModel"))
    outro_image_url: str | None = Field(None, validation_alias=aliases("outro_image_url", "outroImageUrl"))
    add_outro_animation: StrictBool = Field(False, validation_alias=aliases("add_outro_animation", "addOutroAnimation"))
    add_outro_focus_area: StrictBool = Field(
        False, validation_alias=aliases("add_outro_focus_area", "addOutroFocusArea")
    )
    outro_focus_area: FocusArea | None = Field(
        None, validation_alias=aliases("outro_focust_area", "outro_focus_area", "outroFocusArea", "outroFocustArea")
    )
    generate_outro_image: StrictBool = Field(
        False, validation_alias=aliases("generate_outro_image", "generateOutroImage")
    )
    cta_url: str | None = Field(None, validation_alias=aliases("cta_url", "ctaUrl"))
    cta_text_top: str | None = Field(None, max_length=120, validation_alias=aliases("cta_text_top", "ctaTextTop"))
    cta_text_bottom: str | None = Field(
        None, max_length=120, validation_alias=aliases("cta_text_bottom", "ctaTextBottom")
    )
    cta_logo: str | None = Field(None, validation_alias=aliases("cta_logo", "ctaLogo"))
    express_cta_generation: StrictBool = Field(
        False,
        validation_alias=aliases(
            "express_cta_generation", "expressCtaGeneration", "auto_generate_cta_text", "generate_cta_texts"
        ),
    )
    add_footer_animation: StrictBool = Field(
        False, validation_alias=aliases("add_footer_animation", "addFooterAnimation")
    )
    footer_metadata: list[FooterItem] = Field(
        default_factory=list, validation_alias=aliases("footer_metadata", "footerMetadata")
    )
    limit_single_narrator: StrictBool = Field(
        False, validation_alias=aliases("limit_single_narrator", "limitSingleNarrator")
    )
    add_narrator_avatar: StrictBool = Field(False, validation_alias=aliases("add_narrator_avatar", "addNarratorAvatar"))

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower() or "auto"
            value = {"cmn": "zh"}.get(value, value)
            if value not in LANGUAGE_CHOICES:
                raise ValueError(f"unsupported language {value!r}; expected one of {', '.join(LANGUAGE_CHOICES)}")
        return value

    @field_validator("footer_metadata", mode="before")
    @classmethod
    def _footer_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("cta_url")
    @classmethod
    def _cta_url(cls, value: str | None) -> str | None:
        return _http_url(value, "cta_url")

    @field_validator("video_model", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> VideoOptions:
        if self.outro_image_url and self.generate_outro_image:
            raise ValueError(
                "outro_image_url: cannot be combined with generate_outro_image; choose one outro mode"
            )
        if self.generate_outro_image and not self.cta_url:
            raise ValueError("cta_url: required when generate_outro_image is true")
        if self.express_cta_generation and not self.cta_url:
            raise ValueError("cta_url: required when express_cta_generation is true")
        check_focus_area(self)
        if self.add_narrator_avatar:
            self.limit_single_narrator = True
        return self

    def canvas(self) -> tuple[int, int]:
        return CANVAS[self.aspect_ratio]


class TextToVideoRequest(VideoOptions):
    PRICING: ClassVar[Literal["per_model", "legacy"]] = "per_model"

    prompt: str = Field(..., min_length=1, max_length=1000)
    image_model: str = Field(DEFAULT_IMAGE_MODEL, validation_alias=aliases("image_model", "imageModel"))
    duration: float = Field(30, gt=0, le=240)
    aspect_ratio: Literal["16:9", "9:16"] = Field("16:9", validation_alias=aliases("aspect_ratio", "aspectRatio"))

    @field_validator("image_model", mode="before")
    @classmethod
    def _upper_image(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class LegacyCreateRequest(TextToVideoRequest):
    PRICING = "legacy"

    prompt: str = Field(..., min_length=1, max_length=500)
    duration: float = Field(30, gt=0, le=120)


class ImageListToVideoRequest(VideoOptions):
    image_urls: list[ImageItem] = Field(
        ..., min_length=1, max_length=40, validation_alias=aliases("image_urls", "imageUrls", "images")
    )

    @field_validator("image_urls", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        items: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                items.append({"url": item})
            elif isinstance(item, dict):
                url = next(
                    (
                        item[k]
                        for k in ("image_url", "imageUrl", "url", "src", "enhanced_url", "enhancedUrl")
                        if isinstance(item.get(k), str) and item[k]
                    ),
                    None,
                )
                if url is None:
                    raise ValueError(f"image_urls[{i}] has no image_url/url/src")
                items.append({"url": url, "title": item.get("title")})
            else:
                raise ValueError(f"image_urls[{i}] must be a URL string or an object with image_url")
        return items

    @field_validator("aspect_ratio", mode="before")
    @classmethod
    def _fallback_16_9(cls, value: Any) -> Any:
        # The spec: omitted or invalid aspect ratios fall back to 16:9 on this route.
        # Unhashable JSON (objects, arrays) must fall back too, not raise a TypeError (a 500).
        return value if isinstance(value, str) and value in CANVAS else "16:9"
