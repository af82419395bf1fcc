"""Spans: the timeline cut where what is on screen changes, each span keyed by what it shows.

A render encodes every span as its own closed run of frames (an IDR frame at its first frame), so
a span whose key is unchanged since an earlier render can be copied from it instead of encoded
again: a new outro re-encodes the outro's frames only, a new footer leaves the outro alone, and an
unchanged sound track is not mixed again. The keys are content hashes (media by their bytes, the
layers by their full description, and the render code itself), never names or ids.

Pure, apart from reading media files to hash them (through the ``digest`` callable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from reelforge.core.hashing import content_hash
from reelforge.render.ffmpeg import ffmpeg_exe
from reelforge.render.plan import LayerFrames, RenderPlan
from reelforge.sessions.document import SessionDocument


class SpanCache(Protocol):
    """Where rendered spans and sound tracks are kept between renders, by name ``<key>.mp4`` /
    ``<key>.m4a`` (the blob store, in the service: storage/render_cache.py)."""

    def get(self, name: str) -> Path | None: ...

    def put(self, name: str, path: Path) -> None: ...


@dataclass(frozen=True)
class Span:
    """Frames [start, end) of the render, and the content hash of everything drawn in them."""

    start: int
    end: int
    key: str

    @property
    def frames(self) -> int:
        return self.end - self.start


@cache
def code_digest() -> str:
    """Hash of the render package's source and the ffmpeg build: a span cached by other render code or
    another encoder is never reused."""
    sources = sorted(Path(__file__).parent.glob("*.py"))
    return content_hash([Path(ffmpeg_exe()).name, *(path.read_bytes() for path in sources)])


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def boundaries(plan: RenderPlan) -> list[int]:
    """Frames where the set of things on screen can change: layer edges and crossfade edges."""
    cuts = {0, plan.total_frames}
    cuts.update(edge for lf in plan.layers for edge in (lf.start, lf.end))
    cuts.update(edge for fade in plan.crossfades for edge in (fade.start, fade.end))
    return sorted(cuts)


def _layer_description(lf: LayerFrames, digest: Callable[[str], str], looks: dict[str, Any]) -> dict[str, Any]:
    layer = lf.layer
    refs = [layer.clip, layer.footer, layer.carry_over.image if layer.carry_over else None]
    return {"frames": [lf.start, lf.end, lf.lane], "layer": layer,
            "media": [digest(ref) if ref else None for ref in refs],
            # Only where they show: a new footer size or caption font leaves an outro card's spans alone.
            "footer_band": looks["footer_band"] if layer.footer else None,
            "captions": looks["captions"] if layer.active_items and looks["captions"]["enabled"] else None}


def _overlapping(items: Iterable[Any], start: int, end: int) -> list[Any]:
    """Items (with frame ``start``/``end``) showing in frames [start, end)."""
    return [item for item in items if item.start < end and item.end > start]


def video_spans(doc: SessionDocument, plan: RenderPlan, digest: Callable[[str], str], encoder: Any,
                footer_band: int = 0, captions: Any = None) -> list[Span]:
    """The render's spans with their keys.

    ``encoder``: the video encoder settings (in every key); ``footer_band``: the footer band's height
    (in the keys of spans showing a footer); ``captions``: the caption font and the like (in the keys
    of spans showing captions).
    """
    shared = {"code": code_digest(), "canvas": doc.canvas, "encoder": encoder}
    looks = {"footer_band": footer_band,
             "captions": {"enabled": doc.subtitles, "language": doc.language, "font_key": doc.font_key,
                          "font": captions}}
    entries = [(lane, entry) for lane, lane_entries in enumerate(plan.lanes) for entry in lane_entries]
    cuts = boundaries(plan)
    spans = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        visible = [
            {"lane": lane, "entry": entry, "media": digest(entry.media) if entry.media else None}
            for lane, entry in entries
            if entry.visible_start < end and entry.visible_end > start
        ]
        content = {
            "frames": [start, end],
            "layers": [_layer_description(lf, digest, looks) for lf in _overlapping(plan.layers, start, end)],
            "lanes": visible,
            "crossfades": _overlapping(plan.crossfades, start, end),
            "switches": [switch for switch in plan.switches if start <= switch[0] < end],
        }
        spans.append(Span(start=start, end=end, key=content_hash({**shared, **content})))
    return spans


def audio_key(doc: SessionDocument, plan: RenderPlan, digest: Callable[[str], str], encoder: Any) -> str:
    """Key of the finished sound track: the audio layers, their sources' bytes and the length."""
    return content_hash({"code": code_digest(), "frames": plan.total_frames, "fps": plan.fps, "encoder": encoder,
                         "audio": [{"layer": track, "media": digest(track.source)} for track in doc.audio]})
