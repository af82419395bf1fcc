"""Inspecting rendered media with the pinned ffmpeg (no ffprobe ships with imageio-ffmpeg)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reelforge.render.ffmpeg import RenderError, run_ffmpeg

_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:(\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio|Subtitle|Data): (\w+)(.*)$",
                     re.MULTILINE)
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_SAMPLE_RATE = re.compile(r"(\d+) Hz")
_PIX_FMT = re.compile(r"^\s*(\w+)")
_FRAME_COUNT = re.compile(r"frame=\s*(\d+)")
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


def _seconds(h: str, m: str, s: str) -> float:
    return int(h) * 3600 + int(m) * 60 + float(s)


def _stream_info(kind: str, codec: str, rest: str) -> dict[str, Any]:
    info: dict[str, Any] = {"type": kind.lower(), "codec": codec}
    if kind == "Video":
        # rest looks like " (High), yuv420p(tv, bt709, progressive), 1792x1024 [SAR 1:1 ...], 30 fps, ..."
        fields = [f.strip() for f in re.split(r",(?![^(]*\))", rest)]
        pix = next((f for f in fields[1:] if _PIX_FMT.match(f) and not _SIZE.search(f)), "")
        info["pix_fmt"] = pix.split("(")[0].strip() if pix else None
        size = _SIZE.search(rest)
        if size:
            info["width"], info["height"] = int(size.group(1)), int(size.group(2))
        fps = _FPS.search(rest)
        info["fps"] = float(fps.group(1)) if fps else None
    elif kind == "Audio":
        rate = _SAMPLE_RATE.search(rest)
        info["sample_rate"] = int(rate.group(1)) if rate else None
    return info


def probe_media(path: Path | str, *, count_frames: bool = False) -> dict[str, Any]:
    """Streams and duration of a media file.

    Returns ``{"duration": float|None, "streams": [{"type", "codec", ...}], "video_codec", "audio_codec",
    "width", "height", "fps", "pix_fmt"}``; with ``count_frames`` also ``frames`` and
    ``video_duration`` from decoding the video stream (exact, slower).
    """
    run = run_ffmpeg(["-i", str(path), "-map", "0", "-c", "copy", "-f", "null", "-"], what="probe")
    text = run.stderr.split("Stream mapping:")[0]  # only the input description, not our null output
    duration_match = _DURATION.search(text)
    streams = [_stream_info(kind, codec, rest) for _, kind, codec, rest in _STREAM.findall(text)]
    video = next((s for s in streams if s["type"] == "video"), {})
    audio = next((s for s in streams if s["type"] == "audio"), {})
    result: dict[str, Any] = {
        "duration": _seconds(*duration_match.groups()) if duration_match else None,
        "streams": streams,
        "video_codec": video.get("codec"),
        "audio_codec": audio.get("codec"),
        "width": video.get("width"),
        "height": video.get("height"),
        "fps": video.get("fps"),
        "pix_fmt": video.get("pix_fmt"),
    }
    if count_frames and video:
        decoded = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-f", "null", "-"], what="frame count")
        frames = _FRAME_COUNT.findall(decoded.stderr)
        result["frames"] = int(frames[-1]) if frames else 0
        fps = video.get("fps") or 0
        result["video_duration"] = result["frames"] / fps if fps else None
    return result


_EBUR_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf) LUFS")
_EBUR_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf) dBFS")


def _as_float(text: str) -> float:
    return float("-inf") if text == "-inf" else float(text)


def measure_loudness(path: Path | str) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of the first audio stream, via ffmpeg ebur128."""
    run = run_ffmpeg(
        ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        what="loudness measurement",
    )
    integrated = _EBUR_I.search(run.stderr)
    peak = _EBUR_TP.search(run.stderr)
    if not integrated or not peak:
        raise RenderError(f"could not parse ebur128 summary: {run.stderr[-1500:]}")
    return _as_float(integrated.group(1)), _as_float(peak.group(1))
