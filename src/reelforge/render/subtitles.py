"""ASS subtitle file for libass: the session font by family name, timed from the layers' text items.

Cues are broken into lines here, measured with the caption font, at word boundaries of the
session's language (:mod:`reelforge.text.linebreak`): libass would break only at spaces, which
Thai, Japanese and Chinese captions do not have. ``WrapStyle: 2`` makes libass keep our breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
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
2,{margin_h},{margin_h},{margin_v},1

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


def write_ass(doc: SessionDocument, font: FontChoice, out: Path,
              bottom_margins: Mapping[str, int] | None = None) -> Path:
    """Write ``out`` with one event per ``type: "text"`` item (layer-relative times made absolute).

    ``bottom_margins`` lifts the captions of given layers (by id) above their footer card.
    """
    width, height = doc.canvas.width, doc.canvas.height
    size = round(min(width, height) * 0.06)
    base_margin = round(height * 0.06)
    margin_h = round(width * 0.06)
    measure = font_at(font, size)
    line_width = (width - 2 * margin_h) * _WIDTH_SAFETY
    lines = [_HEADER.format(width=width, height=height, font=font.family, size=size,
                            outline=max(2, size // 12), shadow=max(1, size // 24),
                            margin_h=margin_h, margin_v=base_margin)]
    margins = bottom_margins or {}
    for layer in doc.layers if doc.subtitles else []:
        margin_v = margins.get(layer.id, 0) + base_margin if layer.id in margins else 0
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
