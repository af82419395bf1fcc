"""Measuring, fitting and drawing text with Pillow, in any of the supported scripts.

Pillow does no font fallback between scripts, so text is drawn through a :class:`FontStack`
that picks, per character, the language's font or a font that actually has the glyph. Lines are
broken by :func:`reelforge.text.linebreak.wrap_to_width` (never inside a word) and runs are put in
visual order by the bidirectional algorithm (:mod:`reelforge.text.bidi`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from reelforge.text.bidi import embedding_levels, visual_order
from reelforge.text.fonts import FontChoice, UnsupportedFont, resolve_font
from reelforge.text.languages import DEFAULT_LANGUAGE, language_for_script
from reelforge.text.languages import language as language_row
from reelforge.text.linebreak import wrap_to_width
from reelforge.text.scripts import font_script_of

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Direction = Literal["ltr", "rtl"]
# Below this a text is unreadable anyway; fit_text stops shrinking there.
_FLOOR_SIZE = 6


@cache
def _font(path: str, index: int, size: int, weight: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM)
    try:
        axes = font.get_variation_axes()
    except OSError:
        return font  # static font: the registry already picked a heavy file
    values: list[float] = []
    for axis in axes:
        name = axis["name"].decode() if isinstance(axis["name"], bytes) else str(axis["name"])
        low, high = float(axis["minimum"] or 0), float(axis["maximum"] or 0)
        wanted = float(weight) if name.lower() in ("weight", "wght") else float(axis["default"] or low)
        values.append(max(low, min(high, wanted)))
    font.set_variation_by_axes(values)
    return font


def font_at(choice: FontChoice, size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    """``choice`` loaded at ``size`` px (variable fonts set to ``weight``), shaped by Raqm."""
    return _font(str(choice.path), choice.face_index, size, weight)


def load_font(font_key: str | None, language: str, size: int, weight: int = 700) -> ImageFont.FreeTypeFont:
    """The registry's font for ``language`` (``font_key`` if it supports it) at ``size`` px."""
    try:
        choice = resolve_font(font_key, language)
    except UnsupportedFont:
        choice = resolve_font(None, language)
    return font_at(choice, size, weight)


def _follows_neighbour(char: str) -> bool:
    """Blanks, combining marks and punctuation are drawn in the font of the text around them."""
    return char.isspace() or unicodedata.category(char)[0] in "MP"


@cache
def _has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    if char.isspace() or unicodedata.category(char).startswith("M"):
        return True  # blanks and combining marks follow their base character's font

    def rendered(text: str) -> bytes:
        size = int(font.size * 2)
        canvas = Image.new("L", (size, size))
        ImageDraw.Draw(canvas).text((size // 4, size // 4), text, font=font, fill=255)
        return canvas.tobytes()

    return rendered(char) != rendered("\U0010fffd")  # differs from the .notdef box


@dataclass(frozen=True)
class Run:
    """A stretch of one line drawn in one call: one font, one direction."""

    font: ImageFont.FreeTypeFont
    text: str
    direction: Direction

    @property
    def width(self) -> float:
        return float(self.font.getlength(self.text, direction=self.direction))


class FontStack:
    """A primary font plus per-script fallbacks; measures and draws mixed-script, mixed-direction
    text. Measures like a Pillow font (:meth:`getlength`), so it can drive line wrapping."""

    def __init__(self, font_key: str | None, language: str, size: int, weight: int = 700) -> None:
        self.language = language
        self.rtl = language_row(language).rtl
        self.size = size
        self.weight = weight
        self.primary = load_font(font_key, language, size, weight)
        self._fallbacks: dict[str, ImageFont.FreeTypeFont] = {}
        self._runs: dict[str, list[Run]] = {}

    def _font_for(self, char: str) -> ImageFont.FreeTypeFont:
        if _has_glyph(self.primary, char):
            return self.primary
        script = font_script_of(char)
        language = (language_for_script(script) if script else None) or DEFAULT_LANGUAGE
        if language not in self._fallbacks:
            self._fallbacks[language] = load_font(None, language, self.size, self.weight)
        fallback = self._fallbacks[language]
        return fallback if _has_glyph(fallback, char) else self.primary

    def runs(self, text: str) -> list[Run]:
        """``text`` (one line) as runs in visual order, left to right."""
        cached = self._runs.get(text)
        if cached is not None:
            return cached
        pieces: list[tuple[ImageFont.FreeTypeFont, str, int]] = []
        for char, level in zip(text, embedding_levels(text, self.rtl), strict=True):
            font = pieces[-1][0] if pieces and _follows_neighbour(char) else self._font_for(char)
            if pieces and pieces[-1][0] is font and pieces[-1][2] == level:
                pieces[-1] = (font, pieces[-1][1] + char, level)
            else:
                pieces.append((font, char, level))
        order = visual_order([level for _, _, level in pieces])
        runs = [Run(pieces[i][0], pieces[i][1], "rtl" if pieces[i][2] % 2 else "ltr") for i in order]
        self._runs[text] = runs
        return runs

    def width(self, text: str) -> float:
        return sum(run.width for run in self.runs(text))

    def getlength(self, text: str) -> float:
        return self.width(text)

    @property
    def ascent(self) -> int:
        return self.primary.getmetrics()[0]

    @property
    def line_height(self) -> int:
        ascent, descent = self.primary.getmetrics()
        return round((ascent + descent) * 1.08)

    def draw(self, draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, fill: RGBA | RGB) -> None:
        for run in self.runs(text):
            draw.text((x, baseline), run.text, font=run.font, fill=fill, anchor="ls", direction=run.direction)
            x += run.width


@dataclass
class TextBlock:
    stack: FontStack
    lines: list[str]

    @property
    def height(self) -> int:
        return self.stack.line_height * len(self.lines)

    @property
    def width(self) -> float:
        return max(self.stack.width(line) for line in self.lines)


def fit_text(text: str, font_key: str | None, language: str, max_width: float, max_height: float,
             max_size: int, min_size: int = 12, max_lines: int = 4, weight: int = 700) -> TextBlock:
    """The largest font size (≤ ``max_size``) at which ``text`` wraps into the box.

    Lines break only between words. Below ``min_size`` the line count and height may overflow,
    but the width never does: a single word wider than the box shrinks the font further rather
    than being cut in two.
    """
    size = max(min_size, int(max_size))
    while True:
        stack = FontStack(font_key, language, size, weight)
        block = TextBlock(stack, wrap_to_width(text, stack, max_width, language))
        fits_width = block.width <= max_width
        fits = fits_width and len(block.lines) <= max_lines and block.height <= max_height
        if fits or (fits_width and size <= min_size) or size <= _FLOOR_SIZE:
            return block
        if size > min_size:
            size = max(min_size, int(size * 0.9))
        else:  # one word is wider than the box: scale to it
            size = max(_FLOOR_SIZE, min(size - 1, int(size * max_width / block.width)))


def draw_text_block(image: Image.Image, block: TextBlock, x: float, y: float, width: float,
                    align: str = "left", fill: RGBA | RGB = (255, 255, 255), shadow: int = 0) -> None:
    """Draw ``block`` with its top at ``y`` inside [x, x+width]; ``shadow`` = blur radius (px).

    Right-to-left languages read from the right, so their "left" alignment is the right edge."""
    if block.stack.rtl and align == "left":
        align = "right"

    def render(draw: ImageDraw.ImageDraw, colour: RGBA | RGB, dx: float = 0, dy: float = 0) -> None:
        for index, line in enumerate(block.lines):
            line_width = block.stack.width(line)
            offset = {"left": 0.0, "center": (width - line_width) / 2, "right": width - line_width}[align]
            baseline = y + dy + index * block.stack.line_height + block.stack.ascent
            block.stack.draw(draw, x + dx + offset, baseline, line, colour)

    if shadow:
        # Blur only the text's neighbourhood, not the whole canvas.
        margin = 3 * shadow
        left, top = max(0, int(x) - margin), max(0, int(y) - margin)
        right = min(image.width, int(x + width) + margin)
        bottom = min(image.height, int(y + block.height) + margin)
        if right > left and bottom > top:
            layer = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
            render(ImageDraw.Draw(layer), (0, 0, 0, 150), dx=shadow / 3 - left, dy=shadow / 2 - top)
            blurred = layer.filter(ImageFilter.GaussianBlur(shadow))
            if image.mode == "RGBA":
                image.alpha_composite(blurred, (left, top))
            else:
                image.paste(blurred, (left, top), blurred)
    render(ImageDraw.Draw(image), fill)
