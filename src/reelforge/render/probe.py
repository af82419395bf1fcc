"""Inspecting media: streams and durations through PyAV (FFmpeg's libraries, read as data rather
than parsed from the CLI's log), loudness through the pinned ffmpeg's ebur128 filter."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Stream
from av.video.stream import VideoStream

from reelforge.render.ffmpeg import RenderError, run_ffmpeg


def _stream_info(stream: Stream) -> dict[str, Any]:
    codec = stream.codec_context
    # canonical_name is the codec's own name (``h264``, ``aac``), not the decoder's (``libdav1d``).
    info: dict[str, Any] = {"type": stream.type, "codec": codec.codec.canonical_name if codec else None}
    if isinstance(stream, VideoStream):
        video = stream.codec_context
        info["pix_fmt"] = video.format.name if video.format else None
        info["width"], info["height"] = video.width, video.height
        rate: Fraction | None = stream.average_rate or stream.guessed_rate
        info["fps"] = float(rate) if rate else None
    elif isinstance(stream, AudioStream):
        info["sample_rate"] = stream.codec_context.sample_rate or None
    return info


def _count_frames(container: InputContainer) -> int:
    """Frames of the first video stream, by decoding it (exact, where headers can be wrong)."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return sum(1 for _ in container.decode(stream))


def probe_media(path: Path | str, *, count_frames: bool = False) -> dict[str, Any]:
    """Streams and duration of a media file.

    Returns ``{"duration": float|None, "streams": [{"type", "codec", ...}], "video_codec", "audio_codec",
    "width", "height", "fps", "pix_fmt"}``; with ``count_frames`` also ``frames`` and
    ``video_duration`` from decoding the video stream (exact, slower). Raises :class:`RenderError`
    when the file cannot be read as media.
    """
    try:
        with av.open(str(path)) as container:
            streams = [_stream_info(s) for s in container.streams]
            duration = container.duration / av.time_base if container.duration is not None else None
            frames = _count_frames(container) if count_frames and container.streams.video else None
    except (av.FFmpegError, OSError) as exc:
        raise RenderError(f"probe of {path} failed: {exc}") from exc
    video = next((s for s in streams if s["type"] == "video"), {})
    audio = next((s for s in streams if s["type"] == "audio"), {})
    result: dict[str, Any] = {
        "duration": duration,
        "streams": streams,
        "video_codec": video.get("codec"),
        "audio_codec": audio.get("codec"),
        "width": video.get("width"),
        "height": video.get("height"),
        "fps": video.get("fps"),
        "pix_fmt": video.get("pix_fmt"),
    }
    if frames is not None:
        result["frames"] = frames
        fps = video.get("fps") or 0
        result["video_duration"] = frames / fps if fps else None
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
