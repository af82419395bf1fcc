"""The render engine: session timeline → MP4 through one ffmpeg filter graph."""

from reelforge.render.ffmpeg import RenderCancelled, RenderError, ffmpeg_exe
from reelforge.render.probe import measure_loudness, probe_media
from reelforge.render.timeline import RenderResult, render_timeline

__all__ = [
    "RenderCancelled",
    "RenderError",
    "RenderResult",
    "ffmpeg_exe",
    "measure_loudness",
    "probe_media",
    "render_timeline",
]
