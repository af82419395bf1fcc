"""``Prefer: wait=N`` (RFC 7240, as Replicate uses it): a status read that waits up to N seconds for
the request to end. The wait is a coroutine sleeping between reads, so a waiting client holds no
worker thread; each read is one short hop to the threadpool."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from starlette.concurrency import run_in_threadpool

from reelforge.core.requests import TERMINAL

MAX_WAIT_S = 60.0
POLL_S = 0.25
# The header of every status route that can wait.
PreferHeader = Annotated[str | None, Header(description="wait=N: wait up to N seconds (max 60) for the end")]
_WAIT = re.compile(r"(?:^|[,;])\s*wait\s*=\s*\"?(\d+(?:\.\d+)?)\"?", re.I)


def wait_seconds(prefer: str | None) -> float:
    """The ``wait`` preference in seconds, capped at ``MAX_WAIT_S``; 0 when absent or malformed
    (RFC 7240: a preference that cannot be honoured is ignored, not an error)."""
    found = _WAIT.search(prefer or "")
    return min(float(found.group(1)), MAX_WAIT_S) if found else 0.0


async def status_when_done(read: Callable[[], dict[str, Any]], prefer: str | None) -> dict[str, Any]:
    """``read()`` (a status body) once it is terminal or the preferred wait ran out."""
    deadline = time.monotonic() + wait_seconds(prefer)
    while True:
        body = await run_in_threadpool(read)
        if str(body.get("status", "")).upper() in TERMINAL or time.monotonic() >= deadline:
            return body
        await asyncio.sleep(min(POLL_S, max(deadline - time.monotonic(), 0.0)))
