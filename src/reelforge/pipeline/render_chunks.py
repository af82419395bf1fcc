"""Span-parallel rendering on the job engine: a long render's chunks (render/chunks.py) as workflows
on the ``render`` queue, encoded by whichever render workers are free.

The render stage enqueues one workflow per chunk, under an id derived from the request and the
chunk's content, and waits for them. Each is a single checkpointed step that encodes its chunk's
spans into the shared span cache (the blob store) and reports who encoded it. A worker that dies
mid-chunk loses only that chunk: cluster recovery hands its workflow back to the queue and another
worker encodes it again. A chunk's report goes out as a workflow event, so the render wakes the
moment its last chunk is done (pipeline/outcomes.py) rather than at its next result poll. A render
stage that is itself recovered enqueues the same ids again and DBOS hands back the workflows
already there (finished ones with their results).

While it waits, the render stage lends its render slot to its own process (queue_limits.lend_slot),
so the worker that planned the render encodes chunks too, and renders waiting on each other's
chunks can never hold every slot.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from dbos import DBOS, SetWorkflowID

from reelforge.core import requests
from reelforge.pipeline.cluster import live_executors
from reelforge.pipeline.outcomes import await_published
from reelforge.pipeline.queue_limits import lend_slot
from reelforge.render.chunks import ChunkJob, ChunkReport, ChunkRunner
from reelforge.render.timeline import encode_chunk
from reelforge.runtime import Runtime, runtime
from reelforge.settings import Settings
from reelforge.storage.render_cache import BlobSpanCache

RENDER_QUEUE = "render"
CANCEL_POLL_S = 0.5
CHUNK_RESULT = "chunk_result"  # the workflow event a chunk workflow publishes its report under
MAX_CHUNK_WAITERS = 16  # threads waiting on a render's chunks (each mostly asleep in DBOS.get_event)


def chunk_workflow_prefix(request_id: str) -> str:
    return f"{request_id}:chunk:"


def _cancelled(rt: Runtime, request_id: str) -> Callable[[], bool]:
    last = [0.0]

    def check() -> bool:
        if time.monotonic() - last[0] < CANCEL_POLL_S:
            return False
        last[0] = time.monotonic()
        return requests.get(rt.db, request_id).status == "CANCELLED"

    return check


@DBOS.step()
def encode_chunk_step(request_id: str, job_json: dict[str, Any]) -> dict[str, Any]:
    rt = runtime()
    job = ChunkJob.from_json(job_json)
    cache = BlobSpanCache(rt.blobs)
    started = time.time()
    if all(cache.get(f"{key}.mp4") is not None for key in job.dirty):  # put before a crash: done
        return ChunkReport(job.index, rt.settings.executor_id, started, time.time(), 0).to_json()
    work = rt.settings.data_dir.resolve() / "work" / f"{request_id}-chunk-{job.index}"
    shutil.rmtree(work, ignore_errors=True)  # what a worker that died here left
    work.mkdir(parents=True)
    try:
        encoded = encode_chunk(job, rt.blobs.path, work, _cancelled(rt, request_id))
        for key, path in encoded.items():
            cache.put(f"{key}.mp4", path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ChunkReport(job.index, rt.settings.executor_id, started, time.time(), len(encoded)).to_json()


@DBOS.workflow(max_recovery_attempts=Settings().max_recovery_attempts)
def render_chunk_workflow(request_id: str, job_json: dict[str, Any]) -> dict[str, Any]:
    report = encode_chunk_step(request_id, job_json)
    DBOS.set_event(CHUNK_RESULT, report)
    return report


def _await_chunk(handle: Any) -> ChunkReport:
    report = await_published(handle, CHUNK_RESULT, runtime().settings.stage_result_fallback_s)
    return ChunkReport(**(report if report is not None else handle.get_result()))


def _enqueue_and_wait(request_id: str, jobs: Sequence[ChunkJob], wake: Callable[[str], None],
                      done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
    handles = []
    for job in jobs:
        with SetWorkflowID(f"{chunk_workflow_prefix(request_id)}{job.index}:{job.key[:16]}"):
            handles.append(DBOS.retrieve_queue(RENDER_QUEUE).enqueue(  # type: ignore[union-attr]
                render_chunk_workflow, request_id, job.to_json()))
    with lend_slot(RENDER_QUEUE):
        wake(RENDER_QUEUE)  # after lending: this process may take a chunk at once
        # Waited on side by side, so each chunk counts for the render's progress as it ends, in
        # whatever order the workers finish them.
        pool = ThreadPoolExecutor(min(len(handles), MAX_CHUNK_WAITERS), thread_name_prefix="reelforge-chunk-wait")
        try:
            reports = []
            for future in as_completed([pool.submit(_await_chunk, handle) for handle in handles]):
                reports.append(future.result())
                done(reports[-1])
            return reports
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # a failed chunk fails the render now


def queue_runner(request_id: str, wake: Callable[[str], None]) -> ChunkRunner:
    """Encode chunks as workflows on the render queue (see the module docstring)."""

    def run(jobs: Sequence[ChunkJob], done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
        if not jobs:
            return []
        # DBOS refuses to start workflows from inside a step (the render stage is one); these are
        # root workflows with ids of their own, enqueued from a thread outside the step's context.
        with ThreadPoolExecutor(1, thread_name_prefix="reelforge-chunks") as pool:
            return pool.submit(_enqueue_and_wait, request_id, jobs, wake, done).result()

    return run


def chunk_runner(rt: Runtime, request_id: str, wake: Callable[[str], None]) -> ChunkRunner | None:
    """The render queue as a chunk runner when more than one render worker is alive, else None
    (encode here: handing chunks to the only worker there is would gain nothing)."""
    s = rt.settings
    live = live_executors(rt.db, RENDER_QUEUE, within_s=max(2 * s.heartbeat_interval_s, 1.0))
    return queue_runner(request_id, wake) if len(live) > 1 else None


def cancel_chunks(request_id: str) -> None:
    for wf in DBOS.list_workflows(workflow_id_prefix=chunk_workflow_prefix(request_id),
                                  status=["ENQUEUED", "PENDING"], load_input=False, load_output=False):
        DBOS.cancel_workflow(wf.workflow_id)


__all__ = ["cancel_chunks", "chunk_runner", "render_chunk_workflow"]
