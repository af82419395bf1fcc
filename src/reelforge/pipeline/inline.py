"""Running an accepted request in the calling process, for kinds whose whole work takes milliseconds (an
embeddings search: one query embedding and an in-memory index lookup).

Going through the job queues would cost a queue hop per stage (``queue_polling_interval_s``, 0.5 s by default)
for a few milliseconds of work. The request is still charged, recorded and settled by the platform
(``pipeline.submit`` with ``enqueue=False``, then ``requests.complete`` / ``requests.fail``, which refunds), so
its ledger, history, idempotent replay and ``/status`` are those of any other request; only the stage runs here.
While it runs it heartbeats in its row (``recovery.inline_heartbeat``): the recoverer runs it on a worker only
if this process dies.
"""

from __future__ import annotations

import logging
from typing import Any

from reelforge.core import requests
from reelforge.jobs.base import JobKind, StageContext, flatten
from reelforge.pipeline.recovery import inline_heartbeat
from reelforge.runtime import Runtime
from reelforge.stages.context import StageEnv

log = logging.getLogger("reelforge.inline")


def run_inline(rt: Runtime, kind: JobKind[Any, Any], request_id: str) -> None:
    """Run every stage of the request in order and complete it; a failing stage fails it (refunded)."""
    req = requests.get(rt.db, request_id)
    job = kind.load_input(req)
    outputs: dict[str, dict[str, Any]] = {}
    result: dict[str, Any] = {}
    final_price: int | None = None
    try:
        with inline_heartbeat(rt, request_id):
            for stage in flatten(kind.plan(job)):
                out = stage.fn(StageContext(StageEnv(rt, req), job, outputs)).model_dump(mode="json", exclude_none=True)
                outputs[stage.name] = out
                result.update(out.get("result") or {})
                final_price = out.get("final_price", final_price)
    except Exception as exc:
        log.info("inline request %s failed: %s", request_id, exc)
        requests.fail(rt.db, request_id, str(exc) or exc.__class__.__name__)
        return
    requests.complete(rt.db, request_id, result, final_price)
