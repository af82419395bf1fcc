"""Request bodies of the video routes: every documented field and alias, validated per spec."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from reelforge.api.schemas import RequestBody
from reelforge.text.languages import SUPPORTED_LANGUAGES

LANGUAGE_CHOICES = ("auto", *SUPPORTED_LANGUAGES)
CANVAS = {"16:9": (1792, 1024), "9:16": (1024, 1792)}


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


class FocusArea(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class ImageItem(BaseModel):
    url: str
    title: str | None = None


def _http_url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http(s) URL")
    return value


class VideoOptions(RequestBody):
    """Fields shared by text_to_video, image_list_to_video and the legacy create route."""

    prompt: str | None = Field(None, max_length=1000)
    language: str = "auto"
    enable_subtitles: StrictBool = Field(
        True, validation_alias=_alias("enable_subtitles", "add_subtitles", "enableSubtitles")
    )
    font_key: str | None = Field(None, validation_alias=_alias("font_key", "fontKey"))
    aspect_ratio: str = Field("16:9", validation_alias=_alias("aspect_ratio", "aspectRatio"))
    tone: str = Field("grounded", max_length=40)
    metadata: dict[str, Any] = Field(default_factory=dict)
    video_model: str = Field("LOCAL", validation_alias=_alias("video_model", "videoModel"))
    outro_image_url: str | None = Field(None, validation_alias=_alias("outro_image_url", "outroImageUrl"))
    add_outro_animation: StrictBool = Field(False, validation_alias=_alias("add_outro_animation", "addOutroAnimation"))
    add_outro_focus_area: StrictBool = Field(
        False, validation_alias=_alias("add_outro_focus_area", "addOutroFocusArea")
    )
    outro_focus_area: FocusArea | None = Field(
        None, validation_alias=_alias("outro_focust_area", "outro_focus_area", "outroFocusArea", "outroFocustArea")
    )
    generate_outro_image: StrictBool = Field(
        False, validation_alias=_alias("generate_outro_image", "generateOutroImage")
    )
    cta_url: str | None = Field(None, validation_alias=_alias("cta_url", "ctaUrl"))
    cta_text_top: str | None = Field(None, max_length=120, validation_alias=_alias("cta_text_top", "ctaTextTop"))
    cta_text_bottom: str | None = Field(
        None, max_length=120, validation_alias=_alias("cta_text_bottom", "ctaTextBottom")
    )
    cta_logo: str | None = Field(None, validation_alias=_alias("cta_logo", "ctaLogo"))
    express_cta_generation: StrictBool = Field(
        False,
        validation_alias=_alias(
            "express_cta_generation", "expressCtaGeneration", "auto_generate_cta_text", "generate_cta_texts"
        ),
    )
    add_footer_animation: StrictBool = Field(
        False, validation_alias=_alias("add_footer_animation", "addFooterAnimation")
    )
    footer_metadata: list[dict[str, Any]] = Field(
        default_factory=list, validation_alias=_alias("footer_metadata", "footerMetadata")
    )
    limit_single_narrator: StrictBool = Field(
        False, validation_alias=_alias("limit_single_narrator", "limitSingleNarrator")
    )
    add_narrator_avatar: StrictBool = Field(False, validation_alias=_alias("add_narrator_avatar", "addNarratorAvatar"))

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
            raise ValueError("outro_image_url and generate_outro_image cannot be combined: choose one outro mode")
        if self.generate_outro_image and not self.cta_url:
            raise ValueError("generate_outro_image requires cta_url")
        if self.express_cta_generation and not self.cta_url:
            raise ValueError("express_cta_generation requires cta_url")
        if self.add_outro_focus_area and not (self.add_outro_animation and self.outro_focus_area):
            raise ValueError("add_outro_focus_area requires add_outro_animation and outro_focust_area")
        if self.add_narrator_avatar:
            self.limit_single_narrator = True
        for i, item in enumerate(self.footer_metadata):
            url = item.get("url") or item.get("cta_url") or item.get("ctaUrl")
            if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
                raise ValueError(f"footer_metadata[{i}].url must be an http(s) URL")
        return self

    def canvas(self) -> tuple[int, int]:
        return CANVAS[self.aspect_ratio]


class TextToVideoRequest(VideoOptions):
    prompt: str = Field(..., min_length=1, max_length=1000)
    image_model: str = Field("LOCAL", validation_alias=_alias("image_model", "imageModel"))
    duration: float = Field(30, gt=0, le=240)
    aspect_ratio: Literal["16:9", "9:16"] = Field("16:9", validation_alias=_alias("aspect_ratio", "aspectRatio"))

    @field_validator("image_model", mode="before")
    @classmethod
    def _upper_image(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class LegacyCreateRequest(TextToVideoRequest):
    prompt: str = Field(..., min_length=1, max_length=500)
    duration: float = Field(30, gt=0, le=120)


class ImageListToVideoRequest(VideoOptions):
    image_urls: list[ImageItem] = Field(
        ..., min_length=1, max_length=40, validation_alias=_alias("image_urls", "imageUrls", "images")
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


class SessionRef(RequestBody):
    session_id: str = Field(
        ...,
        min_length=1,
        max_length=100,
        validation_alias=_alias("videoSessionId", "video_session_id", "session_id", "sessionId", "request_id"),
    )
