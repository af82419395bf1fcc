"""The render engine: session timeline → MP4 through one ffmpeg filter graph."""

from reelforge.render.ffmpeg import RenderCancelled, RenderError, ffmpeg_exe
from reelforge.render.fonts import (
    SUPPORTED_LANGUAGES,
    FontChoice,
    UnsupportedFont,
    fonts_by_language,
    is_font_supported,
    resolve_font,
)
from reelforge.render.probe import measure_loudness, probe_media
from reelforge.render.timeline import RenderResult, render_timeline

__all__ = [
    "SUPPORTED_LANGUAGES",
    "FontChoice",
    "RenderCancelled",
    "RenderError",
    "RenderResult",
    "UnsupportedFont",
    "ffmpeg_exe",
    "fonts_by_language",
    "is_font_supported",
    "measure_loudness",
    "probe_media",
    "render_timeline",
    "resolve_font",
]
