"""A tiny DBOS application for tests/pipeline/test_dbos_private.py.

Imported by the test process, and run as a script to play a worker that crashes: it starts
``resumable`` and ``fragile`` under the executor id ``dead``, waits until both have checkpointed
their first step, and exits with status 137 (as an OOM kill would) while they are PENDING::

    python dbos_app.py SYSTEM_DB_PATH MARKER_DIR
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dbos import DBOS

CRASHING = "DBOS_APP_CRASHING"  # set in the crashing process: workflows hang after their first step
DEAD_EXECUTOR = "dead"


def config(db_path: Path, executor_id: str) -> Any:
    return {
        "name": "dbos-private-test",
        "system_database_url": f"sqlite:///{db_path}",
        "application_version": "dbos-private-test",  # recovery only takes workflows of its own version
        "executor_id": executor_id,
        "log_level": "ERROR",
        "notification_listener_polling_interval_sec": 0.1,
    }


@DBOS.step()
def checkpoint(marker_dir: str, name: str) -> str:
    """Append a line to ``marker_dir/name`` per execution: a replayed step appends nothing."""
    with Path(marker_dir, name).open("a") as f:
        f.write("ran\n")
    return name


def executions(marker_dir: Path, name: str) -> int:
    path = marker_dir / name
    return len(path.read_text().splitlines()) if path.exists() else 0


def _hang_when_crashing(marker_dir: str, name: str) -> None:
    if os.environ.get(CRASHING):
        Path(marker_dir, f"{name}.ready").touch()  # the first step is checkpointed by now
        while True:
            time.sleep(1)


@DBOS.workflow()
def resumable(marker_dir: str) -> str:
    first = checkpoint(marker_dir, "resumable-1")
    _hang_when_crashing(marker_dir, "resumable")
    return f"{first} then {checkpoint(marker_dir, 'resumable-2')}"


@DBOS.workflow(max_recovery_attempts=0)
def fragile(marker_dir: str) -> str:
    checkpoint(marker_dir, "fragile-1")
    _hang_when_crashing(marker_dir, "fragile")
    return "finished"


_in_flight = 0
_max_in_flight = 0
_lock = threading.Lock()


@DBOS.workflow()
def occupy(seconds: float) -> None:
    """Count how many of these run at once in this process (see max_in_flight)."""
    global _in_flight, _max_in_flight
    with _lock:
        _in_flight += 1
        _max_in_flight = max(_max_in_flight, _in_flight)
    time.sleep(seconds)
    with _lock:
        _in_flight -= 1


@DBOS.workflow()
def publish_after(seconds: float, value: str) -> None:
    """Set the event ``result`` to ``value`` after ``seconds`` (a waiter is registered by then)."""
    time.sleep(seconds)
    DBOS.set_event("result", value)


@DBOS.workflow()
def quick(value: str) -> str:
    return value


def take_max_in_flight() -> int:
    global _max_in_flight
    with _lock:
        value, _max_in_flight = _max_in_flight, 0
    return value


def crash(db_path: Path, marker_dir: Path) -> None:
    os.environ[CRASHING] = "1"
    DBOS(config=config(db_path, DEAD_EXECUTOR))
    DBOS.launch()
    DBOS.start_workflow(resumable, str(marker_dir))
    DBOS.start_workflow(fragile, str(marker_dir))
    deadline = time.monotonic() + 60
    while not all((marker_dir / m).exists() for m in ("resumable.ready", "fragile.ready")):
        if time.monotonic() > deadline:
            sys.exit("the workflows never reached their first checkpoint")
        time.sleep(0.05)
    os._exit(137)


if __name__ == "__main__":
    crash(Path(sys.argv[1]), Path(sys.argv[2]))
