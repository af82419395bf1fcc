"""Waking queue workers when work is enqueued, instead of waiting for their next poll.

DBOS's queue workers poll the system database every ``queue_polling_interval_s``; a job enqueued just
after a poll used to wait out the interval, once per stage. Now whoever enqueues also wakes the queue:

- in this process, directly (``dbos_private.wake_queue``): the embedded default runs the API, the
  request workflows and every queue in one process, so this is every hand-off there;
- in PostgreSQL mode, also through ``NOTIFY reelforge_queues, '<queue>'`` on the application
  database: every engine process LISTENs on one dedicated connection (a blocked thread, no CPU while
  idle) and wakes its own worker of that queue, so an API process or a worker on another host hands
  work over at once.

Polling stays as the fallback (a lost notification, a listener reconnecting after a database
restart, a slot freed on a queue at its concurrency limit): the next poll still finds the work.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from reelforge.db.database import Database
from reelforge.pipeline.dbos_private import wake_queue

log = logging.getLogger("reelforge.wakeups")

CHANNEL = "reelforge_queues"
RECONNECT_S = 2.0
STOP_CHECK_S = 5.0  # how long the listener blocks between checks of its stop flag


def _libpq_url(db: Database) -> str | None:
    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class QueueWakeups:
    """This process's side of the wake-ups: ``enqueued(*queues)`` after an enqueue commits, and (in
    PostgreSQL mode) a listener thread turning other processes' notifications into local wake-ups."""

    def __init__(self, db: Database, queues: list[str]) -> None:
        self.db = db
        self.queues = queues
        self._url = _libpq_url(db)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def cross_process(self) -> bool:
        return self._url is not None

    def enqueued(self, *queues: str) -> None:
        """Wake the workers of ``queues`` here and, in PostgreSQL mode, in every other process (one
        transaction for all of them: a stage group enqueues on several queues at once). Never
        raises: a lost wake-up costs one polling interval, not the job."""
        for queue in queues:
            wake_queue(queue)
        if self._url is None or not queues:
            return
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT pg_notify(:channel, q) FROM unnest(CAST(:queues AS text[])) AS q"),
                             {"channel": CHANNEL, "queues": list(queues)})
                conn.commit()
        except Exception as exc:
            log.warning("could not notify queues %s: %s", ", ".join(queues), exc.__class__.__name__)

    def start(self) -> None:
        if self._url is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._listen, daemon=True, name="reelforge-queue-wakeups")
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(STOP_CHECK_S + 1)
            self._thread = None

    def _listen(self) -> None:
        assert self._url is not None
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything enqueued while (re)connecting was not heard: one poll of every queue.
                    for name in self.queues:
                        wake_queue(name)
                    while not self._stopped.is_set():
                        for note in conn.notifies(timeout=STOP_CHECK_S):
                            wake_queue(note.payload)
            except Exception as exc:
                if not self._stopped.is_set():
                    log.warning("queue wake-up listener lost its connection (%s); polling covers the gap",
                                exc.__class__.__name__)
                    self._stopped.wait(RECONNECT_S)

