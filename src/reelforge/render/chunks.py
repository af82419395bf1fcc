"""Chunks: the fixed runs of spans a render encodes with one fresh encoder each, so that any worker
can encode any chunk and the file is the same whichever did.

x264 carries rate-control and lookahead state from one span into the next within one run, even
across forced IDR frames, so a span's bits depend on what was encoded before it in the same run.
A render therefore never encodes more than one chunk per encoder run, and the chunking is a
function of the timeline alone (about ``chunk_s`` seconds of spans each, cut at span boundaries),
never of how many workers there are: one worker encoding every chunk in turn and twenty workers
encoding one each write the same bytes.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from reelforge.core.hashing import content_hash
from reelforge.render.spans import Span
from reelforge.sessions.document import SessionDocument

DEFAULT_CHUNK_S = 30.0


@dataclass(frozen=True)
class Chunk:
    """Spans ``spans`` (consecutive), encoded together by one encoder run."""

    index: int
    spans: tuple[Span, ...]

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end

    @property
    def frames(self) -> int:
        return self.end - self.start


def plan_chunks(spans: Sequence[Span], fps: int, chunk_s: float, cuts: Collection[int]) -> list[Chunk]:
    """Consecutive spans grouped into chunks of at least ``chunk_s`` seconds, each cut at the first
    frame of ``cuts`` at or after that (layer starts: a chunk then never cuts a layer or a crossfade),
    a last chunk shorter than half of that joined to the one before."""
    target = max(1, round(chunk_s * fps))
    groups: list[list[Span]] = [[]]
    for span in spans:
        groups[-1].append(span)
        if groups[-1][-1].end - groups[-1][0].start >= target and span.end in cuts:
            groups.append([])
    if not groups[-1]:
        groups.pop()
    if len(groups) > 1 and groups[-1][-1].end - groups[-1][0].start < target / 2:
        tail = groups.pop()
        groups[-1] += tail
    return [Chunk(index=i, spans=tuple(group)) for i, group in enumerate(groups)]


@dataclass(frozen=True)
class ChunkJob:
    """One chunk to encode: everything a worker needs besides the media and the span cache.

    ``dirty`` are the keys of the chunk's spans to encode (those not in the cache when the render
    was planned); the worker checks them against the spans it computes, so a worker running other
    render code (other keys) refuses rather than writing spans of another render."""

    doc: SessionDocument
    chunk_s: float
    index: int
    dirty: tuple[str, ...]
    encoder: str
    preset: str

    @property
    def key(self) -> str:
        """Content key of the chunk's encode (its spans' keys)."""
        return content_hash({"chunk": self.index, "spans": list(self.dirty)})

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.doc.model_dump(mode="json"), "chunk_s": self.chunk_s, "index": self.index,
                "dirty": list(self.dirty), "encoder": self.encoder, "preset": self.preset}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChunkJob:
        return cls(doc=SessionDocument.model_validate(data["doc"]), chunk_s=float(data["chunk_s"]),
                   index=int(data["index"]), dirty=tuple(data["dirty"]), encoder=str(data["encoder"]),
                   preset=str(data["preset"]))


@dataclass(frozen=True)
class ChunkReport:
    """Who encoded a chunk, and when (seconds since the epoch): the render's schedule."""

    index: int
    worker: str
    started: float
    finished: float
    spans: int

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "worker": self.worker, "started": round(self.started, 3),
                "finished": round(self.finished, 3), "spans": self.spans}


ChunkRunner = Callable[[Sequence[ChunkJob], Callable[[ChunkReport], None]], list[ChunkReport]]
"""``run(jobs, done)`` encodes every job's spans into the render's span cache (in any order, on any
workers), calls ``done(report)`` as each chunk is encoded (the render's progress), and returns who
encoded what; render/timeline.py runs them in this process when given none."""
