"""Riding out a database that is briefly gone (PostgreSQL restarted, a failover, SQLite busy).

A connection-level error says nothing about the work itself: the statement either did not run
or its transaction rolled back. Bookkeeping that must not turn such a blip into a failed job
retries through this helper until the database answers again, within a bounded window.
Constraint violations and programming errors are not transient and are raised at once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_before_delay, wait_exponential

log = logging.getLogger("reelforge.db")

T = TypeVar("T")

# Long enough for a PostgreSQL restart or failover, short enough that a database that is really
# gone surfaces as an error instead of a hang.
DEFAULT_WINDOW_S = 120.0


def is_transient(exc: BaseException) -> bool:
    """True for errors that mean "the database was unreachable", not "the statement was wrong"."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError) and isinstance(exc.orig, sqlite3.OperationalError):
        # SQLite reports a missing table as an OperationalError too: only lock contention is transient.
        message = str(exc.orig).lower()
        return "locked" in message or "busy" in message
    return isinstance(exc, OperationalError | InterfaceError)


def retry_transient(fn: Callable[[], T], *, window_s: float = DEFAULT_WINDOW_S, what: str = "database call") -> T:
    """Run ``fn``; on a transient database error wait (0.1 s, doubling up to 2 s) and run it again,
    until ``window_s`` would be exceeded; then, or on any other error, the error is raised."""

    def warn(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s: database unavailable (%s); retrying in %.1fs", what, type(exc).__name__, state.upcoming_sleep)

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        stop=stop_before_delay(window_s),
        before_sleep=warn,
        reraise=True,
    )
    return retrying(fn)
