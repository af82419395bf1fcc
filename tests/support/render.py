"""Checks for renderer tests: the small canvas they render on, and exact-duration probing."""

from __future__ import annotations

from pathlib import Path

from reelforge.render import probe_media
from reelforge.sessions.document import Canvas, SessionDocument

SMALL = Canvas(width=768, height=432, fps=30)


def assert_duration_exact(path: Path, doc: SessionDocument) -> dict[str, object]:
    info = probe_media(path, count_frames=True)
    assert info["video_codec"] == "h264"
    assert info["audio_codec"] == "aac"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (doc.canvas.width, doc.canvas.height)
    expected_frames = round(doc.duration * doc.canvas.fps)
    assert abs(int(info["frames"]) - expected_frames) <= 1
    assert abs(float(info["duration"]) - doc.duration) <= 1 / doc.canvas.fps + 0.03
    return info
