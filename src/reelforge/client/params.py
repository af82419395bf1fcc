"""Typed request bodies (``TypedDict``), one per method family, as the samsar-js readme documents them.

Methods take the body as a positional mapping and/or as keyword arguments; the keyword forms
(``*Kwargs``) add the per-call options. Field names are the wire names; the server also accepts
the camelCase aliases, so a mapping copied from JavaScript works unchanged.
"""

from __future__ import annotations

from typing import Any, TypedDict

from reelforge.client._call import CallOptions


class FocusArea(TypedDict):
    x: int
    y: int
    width: int
    height: int


class ImageItem(TypedDict, total=False):
    image_url: str
    title: str


class FooterItem(TypedDict, total=False):
    url: str
    title: str
    text: str


class OutroImageFields(TypedDict, total=False):
    """The outro image a video ends on, as every method that sets one names it."""

    outro_image_url: str
    add_outro_animation: bool
    add_outro_focus_area: bool
    outro_focust_area: FocusArea


class OutroCtaFields(OutroImageFields, total=False):
    """An outro image, or one generated from a call to action (QR code of ``cta_url`` and its texts)."""

    generate_outro_image: bool
    cta_url: str
    cta_text_top: str
    cta_text_bottom: str
    cta_logo: str


class VideoOptionsInput(OutroCtaFields, total=False):
    prompt: str
    language: str
    enable_subtitles: bool
    font_key: str
    aspect_ratio: str
    tone: str
    metadata: dict[str, Any]
    video_model: str
    express_cta_generation: bool
    add_footer_animation: bool
    footer_metadata: list[FooterItem]
    limit_single_narrator: bool
    add_narrator_avatar: bool


class TextToVideoInput(VideoOptionsInput, total=False):
    image_model: str
    duration: float


class ImageListToVideoInput(VideoOptionsInput, total=False):
    image_urls: list[str | ImageItem]


class SessionInput(TypedDict, total=False):
    video_session_id: str
    """The session to operate on (sent as ``videoSessionId``)."""


class UpdateOutroInput(SessionInput, OutroCtaFields, total=False): ...


class AddOutroInput(SessionInput, OutroImageFields, total=False): ...


class UpdateFooterInput(SessionInput, total=False):
    cta_text: str
    cta_logo: str
    cta_url: str
    remove_footer: bool


class TranslateInput(SessionInput, total=False):
    language: str
    enable_subtitles: bool
    translate_outro: bool
    translate_footer: bool
    outro_image_url: str


class JoinInput(TypedDict, total=False):
    session_ids: list[str]
    blend_scenes: bool


class EnhanceImageInput(TypedDict, total=False):
    image_url: str
    resolution: str


class RemoveBrandingInput(TypedDict, total=False):
    image_url: str
    image_urls: list[str]
    regions: list[dict[str, int]]


class ExtendImageListInput(TypedDict, total=False):
    image_urls: list[str]
    prompt: str
    num_images: int
    aspect_ratio: str
    metadata: dict[str, Any]


class AssignTitleInput(TypedDict, total=False):
    image_url: str
    image_data: str
    metadata: dict[str, Any]


class ReceiptTemplateInput(TypedDict, total=False):
    image_url: str
    template_name: str


class ReceiptQueryInput(TypedDict, total=False):
    image_url: str
    template_id: str


class RollupTile(TypedDict, total=False):
    image_url: str
    image_text: str
    image_category: str
    overlay: dict[str, str]


class RollupBannerInput(TypedDict, total=False):
    images: list[RollupTile]
    image_urls: list[str]
    header_image_url: str
    footer_image_url: str
    columns: int
    max_tiles: int
    image_tiling_position: dict[str, Any]


class TextToVideoKwargs(TextToVideoInput, CallOptions, total=False): ...


class ImageListToVideoKwargs(ImageListToVideoInput, CallOptions, total=False): ...


class SessionKwargs(SessionInput, CallOptions, total=False): ...


class UpdateOutroKwargs(UpdateOutroInput, CallOptions, total=False): ...


class AddOutroKwargs(AddOutroInput, CallOptions, total=False): ...


class UpdateFooterKwargs(UpdateFooterInput, CallOptions, total=False): ...


class TranslateKwargs(TranslateInput, CallOptions, total=False): ...


class JoinKwargs(JoinInput, CallOptions, total=False): ...


class EnhanceImageKwargs(EnhanceImageInput, CallOptions, total=False): ...


class RemoveBrandingKwargs(RemoveBrandingInput, CallOptions, total=False): ...


class ExtendImageListKwargs(ExtendImageListInput, CallOptions, total=False): ...


class ReceiptTemplateKwargs(ReceiptTemplateInput, CallOptions, total=False): ...


class ReceiptQueryKwargs(ReceiptQueryInput, CallOptions, total=False): ...


class RollupBannerKwargs(RollupBannerInput, CallOptions, total=False): ...
