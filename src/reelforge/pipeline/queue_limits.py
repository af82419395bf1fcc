"""Per-process queue concurrency on top of DBOS 3.4.

DBOS 3.4 keeps each queue's ``worker_concurrency`` in one row of its system database and every
worker thread re-reads that row before each dequeue: a value set by one process applies to all,
and the last process to register a queue wins. A cluster needs the opposite — a GPU box runs one
render at a time, a 32-core box eight — so this process overlays its own limits on the queue
configuration DBOS reads back (through the private API wrapped in pipeline/dbos_private.py). The
overlay is applied before ``DBOS.launch`` so no dequeue ever sees the shared value; queues this
process does not name keep the stored configuration.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from reelforge.pipeline.dbos_private import override_worker_concurrency

_local_limits: dict[str, int] = {}
_lent: dict[str, int] = {}
_lent_lock = threading.Lock()


def use_local_worker_concurrency(limits: dict[str, int]) -> None:
    """Make ``limits`` (queue name → workflows at once in this process) this process's limits."""
    _local_limits.clear()
    _local_limits.update(limits)
    override_worker_concurrency(local_worker_concurrency)


def local_worker_concurrency(name: str) -> int | None:
    base = _local_limits.get(name)
    return None if base is None else base + _lent.get(name, 0)


@contextlib.contextmanager
def lend_slot(name: str) -> Iterator[None]:
    """While a workflow of queue ``name`` only waits for others (a render waiting for its chunks),
    let this process dequeue one more from it: the waiting one costs no CPU, and without this a
    render worker holding its only slot could never run the chunks it waits for (a deadlock when
    every worker's slot is held by a waiting render)."""
    with _lent_lock:
        _lent[name] = _lent.get(name, 0) + 1
    try:
        yield
    finally:
        with _lent_lock:
            _lent[name] -= 1


WORK_QUEUES = ("cpu", "render", "io", "gpu")


def parse_queues(text: str) -> list[str]:
    """``"render,cpu"`` → ``["render", "cpu"]``; unknown names raise ValueError."""
    names = [q.strip() for q in text.split(",") if q.strip()]
    unknown = sorted(set(names) - set(WORK_QUEUES))
    if unknown or not names:
        raise ValueError(f"unknown queue(s) {unknown or text!r}: choose from {', '.join(WORK_QUEUES)}")
    return names


def parse_concurrency(text: str) -> dict[str, int]:
    """``"render=1,cpu=2"`` → ``{"render": 1, "cpu": 2}``; anything else raises ValueError."""
    limits: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in WORK_QUEUES or not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"bad concurrency {part!r}: expected QUEUE=N, QUEUE one of {WORK_QUEUES}, N ≥ 1")
        limits[name] = int(value)
    return limits
