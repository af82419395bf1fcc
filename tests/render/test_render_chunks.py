"""Chunked rendering: every render is encoded as fixed chunks of spans, each by a fresh encoder over
a graph that starts at the chunk; the file is the same whichever processes encode the chunks, in
whatever order, and it looks like the render drawn in one piece."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from demo_ad import DemoAd, build_demo_ad

from reelforge.render import render_timeline
from reelforge.render.chunks import ChunkJob, ChunkReport, plan_chunks
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.plan import build_plan, window
from reelforge.render.spans import Span
from reelforge.render.timeline import RenderResult, encode_chunk
from reelforge.storage.blobs import LocalBlobStore
from reelforge.storage.render_cache import PREFIX, BlobSpanCache
from support.render import SMALL

CHUNK_S = 2.5


def test_chunks_cut_only_at_allowed_frames_and_fold_a_short_tail() -> None:
    spans = [Span(start, end, str(start)) for start, end in [(0, 10), (10, 25), (25, 30), (30, 50), (50, 52)]]
    chunks = plan_chunks(spans, fps=10, chunk_s=2.0, cuts={25, 50})
    assert [(c.start, c.end) for c in chunks] == [(0, 25), (25, 52)]  # 10 is no cut; [50, 52) is folded in
    assert [c.index for c in chunks] == [0, 1]
    assert [(c.start, c.end) for c in plan_chunks(spans, fps=10, chunk_s=100, cuts={25})] == [(0, 52)]


@pytest.fixture(scope="module")
def ad(tmp_path_factory: pytest.TempPathFactory) -> DemoAd:
    return build_demo_ad(tmp_path_factory.mktemp("chunks") / "assets", canvas=SMALL, scenes=4, scene_s=1.6,
                         outro_s=1.6, outro_animation=True)


def test_window_renumbers_a_layer_run_and_keeps_camera_moves(ad: DemoAd) -> None:
    plan = build_plan(ad.doc)
    start, end = plan.layers[1].start, plan.layers[3].start
    part = window(plan, start, end)
    assert part.total_frames == end - start and [lf.index for lf in part.layers] == [1, 2]
    assert part.layers[0].start == 0 and part.switches[0] == (0, plan.layers[1].lane)
    whole = {(e.media, e.visible_end - e.visible_start) for lane in plan.lanes for e in lane}
    assert {(e.media, e.visible_end - e.visible_start) for lane in part.lanes for e in lane} <= whole
    with pytest.raises(ValueError, match="cuts"):
        window(plan, start + 1, end)


def _encode_in_pool(job: ChunkJob, media: dict[str, Path], blobs: str, out: str) -> ChunkReport:
    started = time.time()
    cache = BlobSpanCache(LocalBlobStore(Path(blobs), "http://test"))
    work = Path(out) / f"chunk-{job.index}"
    work.mkdir(parents=True)
    for key, path in encode_chunk(job, media.__getitem__, work).items():
        cache.put(f"{key}.mp4", path)
    return ChunkReport(job.index, f"pid {os.getpid()}", started, time.time(), len(job.dirty))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def alone_progress() -> list[float]:
    return []


@pytest.fixture(scope="module")
def alone(ad: DemoAd, alone_progress: list[float], tmp_path_factory: pytest.TempPathFactory) -> RenderResult:
    """The ad rendered in chunks, every chunk encoded here in turn (no runner)."""
    return render_timeline(ad.doc, tmp_path_factory.mktemp("alone") / "alone.mp4", ad.resolve, preset="ultrafast",
                           chunk_s=CHUNK_S, on_progress=alone_progress.append)


def _never(jobs: Sequence[ChunkJob], done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
    raise AssertionError(f"one chunk to encode was handed out: {[job.index for job in jobs]}")


def test_chunks_encoded_here_report_stills_then_frames_and_never_go_back(alone: RenderResult,
                                                                          alone_progress: list[float]) -> None:
    assert alone_progress == sorted(alone_progress) and alone_progress[-1] == pytest.approx(1.0)
    # Each chunk moves the fraction while it prepares its stills and while it encodes, not only at its end.
    assert len(set(alone_progress)) > 2 * len(alone.chunks), alone_progress


def test_chunks_encoded_by_other_processes_in_any_order_give_the_same_file(ad: DemoAd, alone: RenderResult,
                                                                          tmp_path: Path) -> None:
    assert len(alone.chunks) >= 3 and {r.worker for r in alone.chunks} == {f"pid {os.getpid()}"}
    blobs = tmp_path / "blobs"
    store = LocalBlobStore(blobs, "http://test")
    cache = BlobSpanCache(store)
    handed: list[ChunkJob] = []
    progress: list[float] = []

    def pool_runner(jobs: Sequence[ChunkJob], done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
        handed.extend(jobs)
        with ProcessPoolExecutor(2) as pool:
            futures = [pool.submit(_encode_in_pool, job, ad.media, str(blobs), str(tmp_path / "pool"))
                       for job in reversed(jobs)]
            reports = [future.result() for future in futures]
        for report in reports:  # chunks reported done out of order: the fraction still only grows
            done(report)
            done(report)
        return reports

    spread = render_timeline(ad.doc, tmp_path / "spread.mp4", ad.resolve, preset="ultrafast", chunk_s=CHUNK_S,
                             cache=cache, run_chunks=pool_runner, on_progress=progress.append)
    assert [r.index for r in spread.chunks] == [r.index for r in alone.chunks]
    assert len(progress) == len(handed) and progress == sorted(progress) and progress[-1] == pytest.approx(1.0)
    assert os.getpid() not in {int(r.worker.split()[1]) for r in spread.chunks}
    assert _sha(spread.path) == _sha(alone.path)

    # Split only when it pays: with one chunk's spans lost from the cache there is one encoder run
    # to do, and it is done here rather than handed out; the file is still the same.
    lost = handed[1]
    for key in lost.dirty:
        store.delete(f"{PREFIX}{key}.mp4")
    again = render_timeline(ad.doc, tmp_path / "again.mp4", ad.resolve, preset="ultrafast", chunk_s=CHUNK_S,
                            cache=cache, run_chunks=_never)
    assert [(r.index, r.worker) for r in again.chunks] == [(lost.index, f"pid {os.getpid()}")]
    assert again.spans_reused == again.spans - len(lost.dirty)
    assert _sha(again.path) == _sha(alone.path)


def test_chunked_render_looks_like_the_render_in_one_piece(ad: DemoAd, alone: RenderResult, tmp_path: Path) -> None:
    whole = render_timeline(ad.doc, tmp_path / "whole.mp4", ad.resolve, preset="ultrafast", chunk_s=1000)
    assert len(whole.chunks) == 1 < len(alone.chunks)
    log = run_ffmpeg(["-i", str(alone.path), "-i", str(whole.path), "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-"],
                     what="psnr").stderr
    psnr = log.rsplit("average:", 1)[1].split()[0]
    # Captions, footers, the outro fade and camera moves all drawn at the same frames: only the
    # encoders' choices differ (a misplaced caption or a restarted pan drops this below 30 dB).
    assert psnr == "inf" or float(psnr) > 38, log[-800:]
