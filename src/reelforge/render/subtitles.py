"""ASS subtitle file for libass: the session font by family name, timed from the layers' text items.

Cues are broken into lines here, measured with the caption font, at word boundaries of the
session's language (:mod:`reelforge.text.linebreak`): libass would break only at spaces, which
Thai, Japanese and Chinese captions do not have. ``WrapStyle: 2`` makes libass keep our breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reelforge.sessions.document import SessionDocument
from reelforge.text.fonts import FontChoice
from reelforge.text.linebreak import wrap_to_width
from reelforge.text.typography import font_at

# libass may embolden a face that is already heavy; leave room so a measured line still fits.
_WIDTH_SAFETY = 0.94

_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 2
ScaledBorderAndShadow: yes
YCbCr Matrix: TV.709

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Caption,{font},{size},&H00FFFFFF,&H00FFFFFF,&H00101010,&H96000000,-1,0,0,0,100,100,0,0,1,{outline},{shadow},\
2,{margin_l},{margin_r},{margin_v},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def _timestamp(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"


def _escape(text: str) -> str:
    # Braces start ASS override blocks and backslashes escapes.
    return text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")


def subtitle_event_count(doc: SessionDocument) -> int:
    return sum(len(layer.subtitles) for layer in doc.layers) if doc.subtitles else 0


# Portrait (phone) apps lay their caption, profile and buttons over the bottom ~20 % and a column
# along the right edge: captions sit above the one and clear of the other.
_PORTRAIT_BOTTOM = 0.20
_PORTRAIT_RIGHT = 0.16
_CAPTION_LINES = 2  # a cue wraps to at most about this many lines at the caption size
_LINE_HEIGHT = 1.3


@dataclass(frozen=True)
class CaptionLayout:
    size: int  # font size, pixels
    margin_l: int
    margin_r: int
    margin_v: int  # bottom margin of a layer without a footer
    gap: int  # space between a footer card and the captions above it

    def bottom(self, footer_px: int) -> int:
        """Bottom margin of a layer whose footer band is ``footer_px`` tall."""
        return max(self.margin_v, footer_px + self.gap) if footer_px else self.margin_v

    def band(self, footer_px: int) -> int:
        """Pixels from the canvas bottom that captions (and the footer under them) may cover."""
        return self.bottom(footer_px) + round(_CAPTION_LINES * _LINE_HEIGHT * self.size)


def caption_layout(width: int, height: int) -> CaptionLayout:
    size = round(min(width, height) * 0.06)
    margin_h, gap = round(width * 0.06), round(height * 0.06)
    if height > width:
        return CaptionLayout(size, margin_h, round(width * _PORTRAIT_RIGHT), round(height * _PORTRAIT_BOTTOM), gap)
    return CaptionLayout(size, margin_h, margin_h, gap, gap)


def write_ass(doc: SessionDocument, font: FontChoice, out: Path,
              bottom_margins: Mapping[str, int] | None = None) -> Path:
    """Write ``out`` with one event per ``type: "text"`` item (layer-relative times made absolute).

    ``bottom_margins`` (footer band heights by layer id) lifts those layers' captions above their footer card.
    """
    width, height = doc.canvas.width, doc.canvas.height
    layout = caption_layout(width, height)
    size = layout.size
    measure = font_at(font, size)
    line_width = (width - layout.margin_l - layout.margin_r) * _WIDTH_SAFETY
    lines = [_HEADER.format(width=width, height=height, font=font.family, size=size,
                            outline=max(2, size // 12), shadow=max(1, size // 24),
                            margin_l=layout.margin_l, margin_r=layout.margin_r, margin_v=layout.margin_v)]
    margins = bottom_margins or {}
    for layer in doc.layers if doc.subtitles else []:
        margin_v = layout.bottom(margins[layer.id]) if layer.id in margins else 0
        for item in layer.subtitles:
            text = "\\N".join(_escape(line) for line in wrap_to_width(item.text, measure, line_width, doc.language))
            if not text:
                continue
            start = layer.start + item.start
            end = min(layer.start + item.end, layer.end)
            if end <= start:
                continue
            lines.append(f"Dialogue: 0,{_timestamp(start)},{_timestamp(end)},Caption,,0,0,{margin_v},,{text}\n")
    out.write_text("".join(lines), encoding="utf-8")
    return out
