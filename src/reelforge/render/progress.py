"""A render's progress as one fraction over its chunks (render/chunks.py): each chunk's stills
prepared, then its frames encoded, weighted by what each costs, so the fraction moves at about the
same pace throughout.

A chunk encoded in this process reports as it goes (``ChunkProgress``); a chunk encoded on another
worker counts whole once it is reported done (``RenderProgress.finished``), in whatever order the
chunks finish. Each chunk's part only grows, so the fraction never goes backwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

# A still framed (saliency, OCR of its text) costs about as long as encoding this many frames: 4
# photos took ~18 s against ~165 frames/s encoded (640x360 x264 veryfast, the development machine).
STILL_COST_FRAMES = 300


class RenderProgress:
    """Reports ``report(fraction)`` of the work on ``chunks`` (chunk index -> lane entries to prepare
    a still for, frames to encode) done. Safe to feed from several threads."""

    def __init__(self, report: Callable[[float], None], chunks: Mapping[int, tuple[int, int]]) -> None:
        self._report = report
        self._stills = {index: stills for index, (stills, _) in chunks.items()}
        self._costs = {index: chunk_cost(stills, frames) for index, (stills, frames) in chunks.items()}
        self._total = max(sum(self._costs.values()), 1)
        self._done: dict[int, int] = {}
        self._lock = threading.Lock()

    def _advance(self, index: int, done: int) -> None:
        with self._lock:
            done = min(done, self._costs[index])
            if done <= self._done.get(index, 0):
                return
            self._done[index] = done
            self._report(sum(self._done.values()) / self._total)

    def chunk(self, index: int) -> ChunkProgress:
        """Progress of chunk ``index``, encoded here."""
        return ChunkProgress(lambda done: self._advance(index, done), self._stills[index])

    def finished(self, index: int) -> None:
        """Chunk ``index`` is encoded (here or on another worker)."""
        self._advance(index, self._costs[index])


def chunk_cost(stills: int, frames: int) -> int:
    """What encoding a chunk costs, in frames: its ``stills`` lane entries, then its ``frames``."""
    return stills * STILL_COST_FRAMES + frames


class ChunkProgress:
    """One chunk's stills prepared (``still_ready``, called per lane entry), then its frames encoded
    (``ffmpeg``, fed ffmpeg's ``-progress`` blocks), as frames' worth of work done."""

    def __init__(self, advance: Callable[[int], None], stills: int) -> None:
        self._advance = advance
        self._stills = stills
        self._stills_done = 0

    def still_ready(self) -> None:
        self._stills_done = min(self._stills_done + 1, self._stills)
        self._advance(chunk_cost(self._stills_done, 0))

    def ffmpeg(self, block: Mapping[str, str]) -> None:
        """The encoder writes only the chunk's frames to encode, back to back: its frame count is
        how many of them are done."""
        try:
            frames = int(block.get("frame", "0"))
        except ValueError:
            return
        self._advance(chunk_cost(self._stills, frames))
