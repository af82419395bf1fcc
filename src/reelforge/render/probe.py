"""Inspecting media through PyAV (FFmpeg's libraries, read as data rather than parsed from the CLI's
log): streams and durations, and loudness through FFmpeg's own ebur128 filter."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Stream
from av.video.stream import VideoStream

from reelforge.render.ffmpeg import RenderError


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


def measure_loudness(path: Path | str) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of the first audio stream, by FFmpeg's ebur128
    filter run in process: the same meter as ``ffmpeg -af ebur128=peak=true``, without starting the
    ffmpeg program for it (~40-80 ms of start-up per measurement; a render measures two or three times).

    With ``metadata=1`` the filter tags each frame it passes with the integrated loudness so far
    (``lavfi.r128.I``; the last frame's is the whole stream's) and the frame's true peak per channel
    (linear; the stream's true peak is the largest)."""
    integrated, peak = -math.inf, 0.0

    def read(meter_out: av.filter.context.FilterContext) -> None:
        nonlocal integrated, peak
        while True:
            try:
                frame = meter_out.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            tags = frame.metadata
            integrated = float(tags.get("lavfi.r128.I", integrated))
            peaks = [float(v) for k, v in tags.items() if k.startswith("lavfi.r128.true_peaks_ch")]
            peak = max([peak, *peaks])

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise RenderError(f"loudness measurement of {path}: no audio stream")
            stream = container.streams.audio[0]
            graph = av.filter.Graph()
            source = graph.add_abuffer(template=stream)
            meter = graph.add("ebur128", "peak=true:metadata=1")
            sink = graph.add("abuffersink")
            source.link_to(meter)
            meter.link_to(sink)
            graph.configure()
            for frame in container.decode(stream):
                graph.push(frame)
                read(sink)
            graph.push(None)
            read(sink)
    except (av.FFmpegError, OSError) as exc:
        raise RenderError(f"loudness measurement of {path} failed: {exc}") from exc
    return integrated, 20 * math.log10(peak) if peak > 0 else -math.inf
