"""``add_image_set`` offline: new images made from the input images.

Outputs are new compositions (:mod:`.compositions`): the product cut out onto a generated
backdrop in its own colours, detail crops reframed around the subject, and collages of the set;
only when those run out come variations (saliency-aware reframing plus a photographic grade).
When the prompt asks for a banner/header/poster, the prompt's words are set on each. Every
output is checked to be structurally new (SSIM below 0.9 against every input at its size) and
to differ visibly from the outputs before it; each says what kind of image it is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reelforge.text.fonts import resolve_font

from .compositions import BACKDROPS, collage, cut_out, detail, on_backdrop, palette, similarity
from .grades import GRADES, apply_grade
from .saliency import AspectRatio, parse_aspect_ratio, reframe, saliency_map
from .titles import smart_title_case

DEFAULT_MAX_SIDE = 2048
MAX_IMAGES = 64
# (zoom, shift) framings: full frame first, then tighter crops nudged around the subject.
_FRAMINGS: tuple[tuple[float, float], ...] = (
    (1.0, 0.0), (0.82, 0.0), (0.7, -0.5), (0.7, 0.5), (0.9, -0.8), (0.9, 0.8), (0.6, 0.0),
)
_GRADE_ORDER = ("natural", "warm", "cool", "vivid", "matte", "teal_orange", "golden_hour", "faded_film", "mono")
_BANNER_WORDS = re.compile(r"\b(banner|header|hero|cover|poster|billboard|headline|thumbnail)\b", re.I)
_PROMPT_FILLER = {
    "create", "make", "generate", "design", "produce", "render", "give", "me", "please", "a", "an",
    "the", "banner", "header", "hero", "cover", "poster", "billboard", "image", "images", "photo",
    "photos", "picture", "for", "of", "with", "in", "style", "set", "some", "our", "my", "this",
    "that", "and", "to", "use", "using", "thumbnail", "headline", "text",
}
_MIN_DIFFERENCE = 2.0  # mean absolute pixel difference (0..255) between two outputs
# An output this similar (SSIM) to an input is the input again, not a new image.
MAX_SIMILARITY = 0.9
_COMPOSITION_ROUNDS = 6


class ImageSetOptions(BaseModel):
    """Request fields of ``POST /v1/image/add_image_set`` (flat body)."""

    model_config = ConfigDict(extra="ignore")

    image_urls: list[str] = Field(min_length=1)
    num_images: int | None = Field(default=None, gt=0, le=MAX_IMAGES)
    prompt: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    aspect_ratio: str | None = None

    @field_validator("image_urls")
    @classmethod
    def _non_empty_urls(cls, urls: list[str]) -> list[str]:
        if any(not str(url).strip() for url in urls):
            raise ValueError("image_urls must not contain empty URLs")
        return urls

    @field_validator("num_images", mode="before")
    @classmethod
    def _integral_number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("num_images must be a positive number")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @field_validator("aspect_ratio")
    @classmethod
    def _valid_aspect(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_aspect_ratio(value)  # raises a ValueError naming the problem
            return value.strip()
        return None

    @property
    def requested_images(self) -> int:
        """What is billed: ``num_images`` if given, else one per input URL."""
        return self.num_images if self.num_images is not None else len(self.image_urls)


@dataclass(frozen=True)
class SetImage:
    image: Image.Image
    kind: str  # "cutout", "detail", "collage" or "variation"


@dataclass(frozen=True)
class Variant:
    source: int
    framing: tuple[float, float]
    grade: str
    layout: str  # banner text layout, "" when not a banner
    mirrored: bool = False


def wants_banner(prompt: str | None) -> bool:
    return bool(prompt and _BANNER_WORDS.search(prompt))


def banner_text(prompt: str | None, metadata: Mapping[str, Any] | None = None) -> str | None:
    """The words to set on a banner: quoted text in the prompt, text after "saying"/"reading"/
    "titled", a headline/title/product from metadata, else the prompt minus instruction words."""
    prompt = prompt or ""
    if m := re.search(r"[\"“'‘]([^\"”'’]{2,60})[\"”'’]", prompt):
        return m.group(1).strip()
    if m := re.search(r"\b(?:saying|that says|reading|titled|with (?:the )?(?:text|words))\s*:?\s*(.+)$", prompt, re.I):
        return smart_title_case(m.group(1).strip(" .!"))[:60]
    for key in ("headline", "title", "product", "name", "campaign"):
        value = (metadata or {}).get(key)
        if isinstance(value, str) and value.strip():
            return smart_title_case(value.strip())
    words = [w for w in re.findall(r"[\w'&-]+", prompt) if w.lower() not in _PROMPT_FILLER]
    return smart_title_case(" ".join(words[:5])) if words else None


def _output_size(crop: tuple[int, int], aspect: AspectRatio, max_side: int) -> tuple[int, int]:
    """Largest size of exactly ``aspect`` not bigger than the crop (no upscaling) or max_side."""
    scale = min(1.0, max_side / max(crop))
    width, height = crop[0] * scale, crop[1] * scale
    if aspect.width.is_integer() and aspect.height.is_integer() and aspect.width <= 64 and aspect.height <= 64:
        step_w, step_h = int(aspect.width), int(aspect.height)
        units = max(1, int(min(width / step_w, height / step_h)))
        return step_w * units, step_h * units
    out_h = max(1, int(height))
    return max(1, round(out_h * aspect.value)), out_h


def _variants(num_sources: int, banner: bool) -> Iterator[Variant]:
    """Sources round-robin; per source, framing and grade advance together along diagonals of
    the framing x grade table, so consecutive variants differ in both; mirrored framings come
    after all unmirrored ones (and banner layouts cycle)."""
    layouts = ("bottom_left", "center", "top_left") if banner else ("",)
    n_grades = len(_GRADE_ORDER)
    table = sorted(
        itertools.product(range(len(_FRAMINGS)), range(n_grades)),
        key=lambda fg: ((fg[1] - fg[0]) % n_grades, fg[0]),
    )
    index = 0
    for mirrored in (False, True):
        for framing, grade in table:
            for source in range(num_sources):
                yield Variant(source, _FRAMINGS[framing], _GRADE_ORDER[grade],
                              layouts[(index + source) % len(layouts)], mirrored)
            index += 1


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    choice = resolve_font("Poppins" if bold else None, "en")
    return ImageFont.truetype(str(choice.path), size, index=choice.face_index)


def _fit_font(draw: ImageDraw.ImageDraw, text: str, max_width: float, start: int) -> ImageFont.FreeTypeFont:
    size = start
    while size > 12:
        font = _font(size)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size = int(size * 0.9)
    return _font(12)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def compose_banner(img: Image.Image, text: str, layout: str, subtitle: str | None = None) -> Image.Image:
    """Set ``text`` (and an optional smaller ``subtitle``) on ``img`` over a soft scrim."""
    base = img.convert("RGBA")
    w, h = base.size
    draw_probe = ImageDraw.Draw(base)
    max_text_w = w * (0.8 if layout == "center" else 0.62)
    title_font = _fit_font(draw_probe, text, max_text_w * 1.8, max(18, int(min(h * 0.16, w * 0.09))))
    lines = _wrap(draw_probe, text, title_font, max_text_w)[:3]
    line_h = int(title_font.size * 1.18)
    sub_font = _font(max(12, int(title_font.size * 0.42)), bold=False) if subtitle else None
    block_h = line_h * len(lines) + (int(sub_font.size * 1.6) if sub_font else 0)
    margin = int(min(w, h) * 0.07)

    if layout == "center":
        top = (h - block_h) // 2
    elif layout == "top_left":
        top = margin
    else:
        top = h - margin - block_h

    # Scrim: a blurred dark band behind the text block keeps it legible on any photo.
    scrim = Image.new("L", (w, h), 0)
    scrim_draw = ImageDraw.Draw(scrim)
    pad = int(title_font.size * 0.9)
    left_edge = 0 if layout != "center" else int(w * 0.05)
    right_edge = int(w * 0.78) if layout != "center" else int(w * 0.95)
    scrim_draw.rectangle((left_edge, top - pad, right_edge, top + block_h + pad), fill=125)
    scrim = scrim.filter(ImageFilter.GaussianBlur(pad))
    shade = Image.new("RGBA", (w, h), (10, 12, 18, 0))
    shade.putalpha(scrim)
    out = Image.alpha_composite(base, shade)

    draw = ImageDraw.Draw(out)
    y = top
    for line in lines:
        line_w = draw.textlength(line, font=title_font)
        x = (w - line_w) / 2 if layout == "center" else margin
        draw.text((x + 2, y + 2), line, font=title_font, fill=(0, 0, 0, 110))
        draw.text((x, y), line, font=title_font, fill=(255, 255, 255, 255))
        y += line_h
    if subtitle and sub_font is not None:
        sub_w = draw.textlength(subtitle, font=sub_font)
        x = (w - sub_w) / 2 if layout == "center" else margin
        draw.text((x, y + int(sub_font.size * 0.3)), subtitle, font=sub_font, fill=(240, 240, 240, 255))
    return out.convert("RGB")


def _distinct_enough(candidate: Image.Image, accepted: list[Image.Image]) -> bool:
    probe = np.asarray(candidate.resize((64, 64)), dtype=np.float32)
    for other in accepted:
        if np.abs(probe - np.asarray(other.resize((64, 64)), dtype=np.float32)).mean() < _MIN_DIFFERENCE:
            return False
    return True


def _canvas_size(source: Image.Image, aspect: AspectRatio, max_side: int) -> tuple[int, int]:
    """The output size for a composition from ``source``: its largest ``aspect`` window's size."""
    if source.width / source.height > aspect.value:
        window = (max(1, round(source.height * aspect.value)), source.height)
    else:
        window = (source.width, max(1, round(source.width / aspect.value)))
    return _output_size(window, aspect, max_side)


def _compositions(
    sources: list[Image.Image], saliencies: list[np.ndarray], aspect_ratio: str | None, max_side: int
) -> Iterator[tuple[str, Callable[[], Image.Image]]]:
    """(kind, maker) of new compositions, round-robin over sources and kinds; makers are lazy so
    only what is needed is computed. Cut-outs are made once per source."""
    cutouts: dict[int, Image.Image] = {}
    colours = [palette(img) for img in sources]

    def aspect_of(i: int) -> AspectRatio:
        src = sources[i]
        return parse_aspect_ratio(aspect_ratio) if aspect_ratio else AspectRatio(float(src.width), float(src.height))

    def on_new_backdrop(i: int, round_: int) -> Image.Image:
        if i not in cutouts:
            cutouts[i] = cut_out(sources[i], saliencies[i])
        style = BACKDROPS[(i + round_) % len(BACKDROPS)]
        size = _canvas_size(sources[i], aspect_of(i), max_side)
        return on_backdrop(cutouts[i], size, colours[i], style, offset=(0.0, -1.0, 1.0)[round_ % 3])

    def new_detail(i: int, round_: int) -> Image.Image:
        return detail(sources[i], _canvas_size(sources[i], aspect_of(i), max_side), saliencies[i], round_)

    def new_collage(round_: int) -> Image.Image:
        # One source: a collage of its details (the whole picture again would be the input).
        tiles = sources if n >= 2 else [detail(sources[0], sources[0].size, saliencies[0], k) for k in (0, 1, 2)]
        return collage(tiles, _canvas_size(sources[round_ % n], aspect_of(round_ % n), max_side), round_)

    n = len(sources)
    for round_ in range(_COMPOSITION_ROUNDS):
        for i in range(n):
            yield "cutout", partial(on_new_backdrop, i, round_)
            yield "detail", partial(new_detail, i, round_)
        if n >= 2 or round_ >= 1:
            yield "collage", partial(new_collage, round_)


def _is_new(candidate: Image.Image, sources: list[Image.Image], accepted: list[Image.Image]) -> bool:
    return _distinct_enough(candidate, accepted) and all(
        similarity(candidate, src) < MAX_SIMILARITY for src in sources)


def make_image_set(
    images: list[Image.Image],
    num_images: int,
    prompt: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    aspect_ratio: str | None = None,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
) -> list[SetImage]:
    """``num_images`` new RGB images made from ``images``, each with its kind.

    ``aspect_ratio`` ("16:9", "1:1", ...) reframes every variant to exactly that ratio (source
    aspect when omitted); outputs are at most ``max_side`` px on the long side and never
    upscaled beyond their crop. Raises ``ValueError`` for no images, ``num_images < 1`` or a
    bad aspect ratio.
    """
    if not images:
        raise ValueError("images must not be empty")
    if num_images < 1:
        raise ValueError("num_images must be a positive number")
    sources = [img.convert("RGB") for img in images]
    saliencies = [saliency_map(img) for img in sources]
    banner = wants_banner(prompt)
    text = banner_text(prompt, metadata) if banner else None
    subtitle = None
    if banner and metadata:
        subtitle = next((str(metadata[k]) for k in ("tagline", "subtitle", "campaign") if metadata.get(k)), None)
        if subtitle and text and subtitle.lower() in text.lower():
            subtitle = None

    outputs: list[SetImage] = []

    def finish(img: Image.Image, layout: str) -> Image.Image:
        return compose_banner(img, text, layout, subtitle) if banner and text else img

    layouts = ("bottom_left", "center", "top_left")
    for kind, make in _compositions(sources, saliencies, aspect_ratio, max_side):
        if len(outputs) == num_images:
            break
        made = finish(make(), layouts[len(outputs) % 3])
        if _is_new(made, sources, [o.image for o in outputs]):
            outputs.append(SetImage(made, kind))
    for variant in _variants(len(sources), banner):
        if len(outputs) == num_images:
            break
        source = sources[variant.source]
        aspect = (
            parse_aspect_ratio(aspect_ratio) if aspect_ratio else AspectRatio(float(source.width), float(source.height))
        )
        zoom, shift = variant.framing
        crop = reframe(source, aspect.value, zoom, shift, saliencies[variant.source])
        if variant.mirrored:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        crop = crop.resize(_output_size(crop.size, aspect, max_side), Image.Resampling.LANCZOS)
        result = finish(apply_grade(crop, variant.grade), variant.layout)
        if _is_new(result, sources, [o.image for o in outputs]):
            outputs.append(SetImage(result, "variation"))
    if len(outputs) < num_images:
        raise ValueError(f"could only make {len(outputs)} distinct variants, {num_images} requested")
    return outputs


__all__ = ["GRADES", "ImageSetOptions", "SetImage", "banner_text", "compose_banner", "make_image_set", "wants_banner"]
