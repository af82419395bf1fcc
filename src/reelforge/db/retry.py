"""Riding out a database that is briefly gone (PostgreSQL restarted, a failover, SQLite busy).

A connection-level error says nothing about the work itself: the statement either did not run
or its transaction rolled back. Bookkeeping that must not turn such a blip into a failed job
retries through this helper until the database answers again, within a bounded window.
Constraint violations and programming errors are not transient and are raised at once.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

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
    """Run ``fn``; on a transient database error wait (backing off up to 2 s) and run it again."""
    deadline = time.monotonic() + window_s
    delay = 0.1
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning("%s: database unavailable (%s); retrying in %.1fs", what, exc.__class__.__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
