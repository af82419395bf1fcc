"""Roll-up banners: a grid of photo tiles with overlay labels, optional header/footer images.

The request models validate every field the spec lists (``columns`` 1-6, ``*_ratio`` in 0..1,
``font_key`` a supported language key, the first ``font_family`` entry supported for it) and
raise pydantic ``ValidationError`` (a ``ValueError``) whose message names the offending field,
e.g. ``image_tiling_position.top_left.margin_ratio``.

Rendering (imaging/rollup_render.py) decodes one image at a time at the size it is drawn and
writes the banner in strips; the route layer fetched and stored the images. Layout numbers
(``*_min``, paddings, heights) are in pixels of the reference 2020 x 2526 tile and scale with
the actual tile width, so previews look like the print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from reelforge.text.fonts import UnsupportedFont, fonts_by_language, resolve_font
from reelforge.text.languages import REGIONAL_VARIANTS, SUPPORTED_LANGUAGES, find_language
from reelforge.text.linebreak import wrap_to_width

from .saliency import cover

Box = tuple[int, int, int, int]

REFERENCE_TILE = (2020, 2526)  # the rollup minimum tile size; smaller inputs get enhanced
DEFAULT_COLUMNS = 4
DEFAULT_MAX_TILES = 28
MAX_TILES_LIMIT = 120

Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
Pixels = Annotated[int, Field(ge=0, le=10_000)]

_GENERIC_FAMILIES = {"sans-serif", "system-ui", "ui-sans-serif"}


class RollupInputError(ValueError):
    """A tile/header/footer image is missing from the fetched images or cannot be used."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# --- request models -------------------------------------------------------------------------


class _Layout(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TopLeftBadgeLayout(_Layout):
    """The circular badge (``overlay.top_left``, e.g. a duration)."""

    margin_min: Pixels = 28
    margin_ratio: Ratio = 0.02
    diameter_min: Pixels = 220
    diameter_max: Pixels = 320
    diameter_ratio: Ratio = 0.215
    inner_padding_min: Pixels = 12
    inner_padding_ratio: Ratio = 0.08

    @model_validator(mode="after")
    def _diameter_range(self) -> TopLeftBadgeLayout:
        if self.diameter_min > self.diameter_max:
            raise ValueError(f"diameter_min ({self.diameter_min}) must not exceed diameter_max ({self.diameter_max})")
        return self


class TopRightLabelLayout(_Layout):
    """The rounded label at the top right (``overlay.top_right``, e.g. a category)."""

    margin_min: Pixels = 28
    margin_ratio: Ratio = 0.02
    max_width_floor: Pixels = 260
    min_width: Pixels = 220
    padding_left: Pixels = 36
    padding_right: Pixels = 48
    padding_top: Pixels = 30
    padding_bottom: Pixels = 24
    overlay_height_min: Pixels = 140


class BottomLabelLayout(_Layout):
    """The footer label (``overlay.footer``, e.g. the tile's title)."""

    inset_min: Pixels = 32
    inset_ratio: Ratio = 0.03
    offset_min: Pixels = 12
    offset_ratio: Ratio = 0.02
    container_margin_min: Pixels = 40
    container_margin_ratio: Ratio = 0.08
    text_inset_min: Pixels = 18
    text_inset_ratio: Ratio = 0.04
    overlay_height_min: Pixels = 280


def supported_font_keys() -> list[str]:
    """Language codes plus the regional variants (``zh-tw`` …) the roll-up accepts as ``font_key``."""
    return sorted(set(SUPPORTED_LANGUAGES) | set(REGIONAL_VARIANTS))


def _render_language(font_key: str) -> str:
    row = find_language(font_key)
    return row.code if row else font_key


class TilingPosition(_Layout):
    """``image_tiling_position``: overlay placement and font overrides (send only what changes)."""

    font_key: str = Field(description="supported subtitle language key, e.g. en, fr, ja, zh-cn")
    font_family: str | None = None
    top_left: TopLeftBadgeLayout = Field(default_factory=TopLeftBadgeLayout)
    top_right: TopRightLabelLayout = Field(default_factory=TopRightLabelLayout)
    bottom: BottomLabelLayout = Field(default_factory=BottomLabelLayout)

    @field_validator("font_key")
    @classmethod
    def _known_language(cls, value: str) -> str:
        key = value.strip().lower().replace("_", "-")
        if key not in supported_font_keys():
            raise ValueError(f"unsupported font_key {value!r}; use one of {', '.join(supported_font_keys())}")
        return key

    @field_validator("font_family")
    @classmethod
    def _first_font_supported(cls, value: str | None, info: ValidationInfo) -> str | None:
        font_key = info.data.get("font_key")
        first = _first_family(value)
        if font_key is None or first is None or first.lower() in _GENERIC_FAMILIES:
            return value  # a bad/missing font_key is reported on font_key itself
        language = _render_language(font_key)
        try:
            resolve_font(first, language)
        except UnsupportedFont as exc:
            supported = fonts_by_language().get(language, [])
            raise ValueError(
                f"the first font {first!r} is not supported for font_key {font_key!r}; "
                f"supported: {', '.join(supported) or 'none installed'}"
            ) from exc
        return value

    @property
    def first_font(self) -> str | None:
        return _first_family(self.font_family)


def _first_family(font_family: str | None) -> str | None:
    if not font_family:
        return None
    first = font_family.split(",")[0].strip().strip("'\"")
    return first or None


class RollupOverlay(_Layout):
    top_left: str | None = None
    top_right: str | None = None
    footer: str | None = None


def _as_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


class RollupItem(_Layout):
    """One tile: ``image_url`` or ``enhanced_url`` plus optional labels."""

    image_url: str | None = None
    enhanced_url: str | None = None
    title: str | None = None
    image_text: str | None = None
    image_category: str | None = None
    image_duration: str | None = None
    overlay: RollupOverlay | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"image_url": data}
        if isinstance(data, dict):
            return {key: _as_text(value) for key, value in data.items()}
        return data

    @model_validator(mode="after")
    def _needs_url(self) -> RollupItem:
        if not (self.source_url or "").strip():
            raise ValueError("each item must include image_url or enhanced_url")
        return self

    @property
    def source_url(self) -> str:
        """The URL to draw: the enhanced copy when there is one."""
        return (self.enhanced_url or self.image_url or "").strip()

    def overlay_texts(self) -> tuple[str | None, str | None, str | None]:
        """(top_left, top_right, footer) with the documented fallbacks: footer ← title ←
        image_text; top_right ← image_category; top_left ← image_duration."""
        overlay = self.overlay or RollupOverlay()
        return (
            overlay.top_left or self.image_duration,
            overlay.top_right or self.image_category,
            overlay.footer or self.title or self.image_text,
        )


class RollupBannerRequest(_Layout):
    """Body of ``create_rollup_banner`` / ``create_rollup_banner_with_enhance``."""

    image_list: list[RollupItem] | None = None
    images: list[RollupItem] | None = None
    image_urls: list[RollupItem] | None = None
    header_image_url: str | None = None
    footer_image_url: str | None = None
    columns: int = Field(default=DEFAULT_COLUMNS, ge=1, le=6)
    max_tiles: int = Field(default=DEFAULT_MAX_TILES, ge=1, le=MAX_TILES_LIMIT)
    image_tiling_position: TilingPosition | None = None

    @field_validator("columns", "max_tiles", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be an integer")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @field_validator("header_image_url", "footer_image_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _needs_tiles(self) -> RollupBannerRequest:
        if not self.items:
            raise ValueError("image_list: must be a non-empty array (or send images / image_urls)")
        return self

    @property
    def items(self) -> list[RollupItem]:
        return self.image_list or self.images or self.image_urls or []

    @property
    def tiling(self) -> TilingPosition:
        return self.image_tiling_position or TilingPosition(font_key="en")

    def expanded_items(self) -> list[RollupItem]:
        """The tile list repeated (or cut) to exactly ``max_tiles``."""
        items = self.items
        return [items[i % len(items)] for i in range(self.max_tiles)]

    def image_urls_needed(self) -> list[str]:
        """Every URL to fetch (tiles, header, footer), each once, in order."""
        urls = [item.source_url for item in self.items]
        urls += [u for u in (self.header_image_url, self.footer_image_url) if u]
        return list(dict.fromkeys(urls))


# --- enhancement hints ----------------------------------------------------------------------


def needs_enhance(size: tuple[int, int]) -> bool:
    """Tiles below the 2020 x 2526 rollup minimum get upscaled first (the enhance variant)."""
    return size[0] < REFERENCE_TILE[0] or size[1] < REFERENCE_TILE[1]


def enhance_resolution_for(size: tuple[int, int]) -> str | None:
    """The smallest enhance resolution (long edge 1024/2048/4096) whose output covers the
    rollup minimum when cover-cropped; ``None`` when no enhancement is needed. ``size``: the
    tile's (width, height)."""
    if not needs_enhance(size):
        return None
    width, height = size
    for name, edge in (("1k", 1024), ("2k", 2048), ("4k", 4096)):
        scale = edge / max(width, height)
        if width * scale >= REFERENCE_TILE[0] and height * scale >= REFERENCE_TILE[1]:
            return name
    return "4k"


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fonts:
    path: str
    index: int
    language: str  # how the labels break into lines

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(self.path, max(8, size), index=self.index)


def fonts_for(tiling: TilingPosition) -> _Fonts:
    language = _render_language(tiling.font_key)
    first = tiling.first_font
    family = None if first is None or first.lower() in _GENERIC_FAMILIES else first
    choice = resolve_font(family, tiling.font_key)  # a regional key (zh-tw) has its own font order
    return _Fonts(str(choice.path), choice.face_index, language)


def _fit(draw: ImageDraw.ImageDraw, text: str, fonts: _Fonts, max_w: float, max_h: float,
         max_lines: int = 2) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (and line wrapping) that fits ``text`` into ``max_w`` x ``max_h``."""
    size = max(8, int(max_h))
    while True:
        font = fonts.at(size)
        lines = wrap_to_width(text, font, max_w, fonts.language)
        line_h = size * 1.15
        fits = len(lines) <= max_lines and line_h * len(lines) <= max_h
        if fits and all(draw.textlength(line, font=font) <= max_w for line in lines):
            return font, lines
        if size <= 8:
            return font, lines[:max_lines]
        size = max(8, int(size * 0.9))


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont,
                box: tuple[float, float, float, float], fill: tuple[int, int, int, int], align: str) -> None:
    x0, y0, x1, y1 = box
    line_h = font.size * 1.15
    top = y0 + (y1 - y0 - line_h * len(lines)) / 2
    for i, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        x = x0 + (x1 - x0 - width) / 2 if align == "center" else x0
        draw.text((x, top + i * line_h + line_h / 2), line, font=font, fill=fill, anchor="lm")


def _scaled(value: int, scale: float) -> float:
    return value * scale


def _draw_top_left(draw: ImageDraw.ImageDraw, text: str, layout: TopLeftBadgeLayout, w: int, scale: float,
                   fonts: _Fonts) -> None:
    margin = max(_scaled(layout.margin_min, scale), layout.margin_ratio * w)
    diameter = min(max(layout.diameter_ratio * w, _scaled(layout.diameter_min, scale)),
                   _scaled(layout.diameter_max, scale))
    padding = max(_scaled(layout.inner_padding_min, scale), layout.inner_padding_ratio * diameter)
    draw.ellipse((margin, margin, margin + diameter, margin + diameter), fill=(255, 255, 255, 235))
    inner = (diameter - 2 * padding) * 0.78  # the square inscribed in the circle, roughly
    cx = cy = margin + diameter / 2
    font, lines = _fit(draw, text, fonts, inner, inner * 0.7)
    _draw_lines(draw, lines, font, (cx - inner / 2, cy - inner / 2, cx + inner / 2, cy + inner / 2),
                (20, 24, 32, 255), "center")


def _draw_top_right(draw: ImageDraw.ImageDraw, text: str, layout: TopRightLabelLayout, w: int, scale: float,
                    fonts: _Fonts) -> None:
    margin = max(_scaled(layout.margin_min, scale), layout.margin_ratio * w)
    height = _scaled(layout.overlay_height_min, scale)
    pad_l, pad_r = _scaled(layout.padding_left, scale), _scaled(layout.padding_right, scale)
    pad_t, pad_b = _scaled(layout.padding_top, scale), _scaled(layout.padding_bottom, scale)
    max_width = max(_scaled(layout.max_width_floor, scale), 0.42 * w)
    font, lines = _fit(draw, text, fonts, max_width - pad_l - pad_r, height - pad_t - pad_b, max_lines=1)
    text_w = max(draw.textlength(line, font=font) for line in lines)
    width = min(max(text_w + pad_l + pad_r, _scaled(layout.min_width, scale)), max_width)
    x1, y0 = w - margin, margin
    draw.rounded_rectangle((x1 - width, y0, x1, y0 + height), radius=height / 2, fill=(16, 20, 28, 200))
    _draw_lines(draw, lines, font, (x1 - width + pad_l, y0 + pad_t, x1 - pad_r, y0 + height - pad_b),
                (255, 255, 255, 255), "center")


def _draw_bottom(draw: ImageDraw.ImageDraw, text: str, layout: BottomLabelLayout, w: int, h: int, scale: float,
                 fonts: _Fonts) -> None:
    # container_margin: distance of the label container from the tile's left/right edges;
    # offset: its distance from the bottom edge; inset: corner radius; text_inset: inner padding.
    side = max(_scaled(layout.container_margin_min, scale), layout.container_margin_ratio * w)
    offset = max(_scaled(layout.offset_min, scale), layout.offset_ratio * h)
    radius = max(_scaled(layout.inset_min, scale), layout.inset_ratio * w)
    text_inset = max(_scaled(layout.text_inset_min, scale), layout.text_inset_ratio * w)
    height = _scaled(layout.overlay_height_min, scale)
    box = (side, h - offset - height, w - side, h - offset)
    draw.rounded_rectangle(box, radius=min(radius, height / 2), fill=(255, 255, 255, 238))
    inner = (box[0] + text_inset, box[1] + text_inset / 2, box[2] - text_inset, box[3] - text_inset / 2)
    font, lines = _fit(draw, text, fonts, inner[2] - inner[0], (inner[3] - inner[1]) * 0.8)
    _draw_lines(draw, lines, font, inner, (18, 22, 30, 255), "center")


def render_tile(image: Image.Image, item: RollupItem, size: tuple[int, int], tiling: TilingPosition,
                fonts: _Fonts | None = None) -> Image.Image:
    """One tile: the image cover-cropped (saliency-aware) to ``size`` plus its overlays."""
    fonts = fonts or fonts_for(tiling)
    w, h = size
    scale = w / REFERENCE_TILE[0]
    tile = cover(image, size).convert("RGBA")
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    top_left, top_right, footer = item.overlay_texts()
    if top_left:
        _draw_top_left(draw, top_left, tiling.top_left, w, scale, fonts)
    if top_right:
        _draw_top_right(draw, top_right, tiling.top_right, w, scale, fonts)
    if footer:
        _draw_bottom(draw, footer, tiling.bottom, w, h, scale, fonts)
    return Image.alpha_composite(tile, layer).convert("RGB")
