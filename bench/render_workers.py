"""``bench/render.py --workers N [N ...]``: the standard ad rendered with its chunks spread over N
worker processes, for each N in turn, on this machine.

Each worker is a fresh process (a process pool of N) running exactly what a render worker of the
service runs for a chunk (``render.timeline.encode_chunk``), writing its spans into a span cache
of its own run (a blob store directory); the planning process mixes the sound track, hands out the
chunks in order and joins the result. Prints each run's wall time, the output's sha256 (the same
for every N: the chunking does not depend on the worker count) and the chunk schedule: which
worker encoded which chunk, from when to when (seconds since the run started).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from reelforge.render.chunks import DEFAULT_CHUNK_S, ChunkJob, ChunkReport, ChunkRunner
from reelforge.render.timeline import encode_chunk, render_timeline
from reelforge.sessions.document import SessionDocument
from reelforge.storage.blobs import LocalBlobStore
from reelforge.storage.render_cache import BlobSpanCache


def _cache(blobs: Path) -> BlobSpanCache:
    return BlobSpanCache(LocalBlobStore(blobs, "http://bench"))


def _encode(job: ChunkJob, media: dict[str, Path], blobs: Path, workdir: Path) -> ChunkReport:
    started = time.time()
    work = workdir / f"chunk-{job.index}"
    work.mkdir(parents=True)
    cache = _cache(blobs)
    for key, path in encode_chunk(job, media.__getitem__, work).items():
        cache.put(f"{key}.mp4", path)
    return ChunkReport(job.index, f"pid {os.getpid()}", started, time.time(), len(job.dirty))


def _pool_runner(pool: ProcessPoolExecutor, media: dict[str, Path], blobs: Path,
                 workdir: Path) -> ChunkRunner:
    def run(jobs: Sequence[ChunkJob], done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
        reports = []
        for future in as_completed([pool.submit(_encode, job, media, blobs, workdir) for job in jobs]):
            reports.append(future.result())
            done(reports[-1])
        return reports
    return run


def _warm() -> int:
    return os.getpid()


def render_with_workers(doc_builder: Callable[[Path], tuple[SessionDocument, dict[str, Path]]], workers: Sequence[int],
                        chunk_s: float = DEFAULT_CHUNK_S) -> None:
    with tempfile.TemporaryDirectory(prefix="reelforge-bench-workers-") as tmp:
        root = Path(tmp)
        doc, media = doc_builder(root / "assets")
        digests = set()
        for count in workers:
            run_dir = root / f"workers-{count}"
            with ProcessPoolExecutor(count) as pool:
                for future in [pool.submit(_warm) for _ in range(count)]:  # processes started before timing
                    future.result()
                started = time.time()
                result = render_timeline(doc, run_dir / "ad.mp4", media.__getitem__, workdir=root,
                                         cache=_cache(run_dir / "blobs"), chunk_s=chunk_s,
                                         run_chunks=_pool_runner(pool, media, run_dir / "blobs", run_dir / "work"))
                wall = time.time() - started
            digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
            digests.add(digest)
            names = {worker: f"w{i + 1}" for i, worker in enumerate(dict.fromkeys(r.worker for r in result.chunks))}
            print(f"{count} worker process(es): {result.duration_s:.0f} s video in {wall:.2f} s wall, "
                  f"{len(result.chunks)} chunks, sha256 {digest}", flush=True)
            print("   schedule: " + "  ".join(f"#{r.index}:{names[r.worker]}[{r.started - started:.1f}-"
                                             f"{r.finished - started:.1f}]" for r in result.chunks), flush=True)
        print("outputs bit-identical across worker counts: " + ("yes" if len(digests) == 1 else "NO"), flush=True)
