"""One real test per private DBOS API wrapped in reelforge.pipeline.dbos_private.

A DBOS upgrade that renames or changes one of them fails here, by name. DBOS runs in this test
process on SQLite in a temp dir; a second process (dbos_app.py run as a script) plays a worker
that crashes with workflows PENDING.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dbos_app
import pytest
from dbos import DBOS

from reelforge.pipeline import dbos_private

SRC = Path(__file__).resolve().parents[2] / "src" / "reelforge"


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A system database holding the PENDING workflows of the crashed executor ``dead``, and
    DBOS launched in this process as executor ``live`` on it; yields the marker directory."""
    root = tmp_path_factory.mktemp("dbos-private")
    db_path, markers = root / "dbos.sqlite", root / "markers"
    markers.mkdir()
    run = subprocess.run(
        [sys.executable, str(Path(dbos_app.__file__)), str(db_path), str(markers)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 137, run.stderr[-2000:]
    with pytest.MonkeyPatch.context() as patches:
        # The override patches DBOS process-wide: put back what was there when this module ends.
        patches.setattr(dbos_private.SystemDatabase, "get_queue", dbos_private.SystemDatabase.get_queue)
        # Only the queue limit test's queue is overridden; installed before launch, as the engine does.
        dbos_private.override_worker_concurrency(lambda name: 1 if name == "limited" else None)
        patches.setattr(dbos_private.dbos_queue, "queue_worker_thread", dbos_private.dbos_queue.queue_worker_thread)
        patches.setattr(dbos_private.SystemDatabase, "set_event_from_workflow",
                        dbos_private.SystemDatabase.set_event_from_workflow)
        dbos_private.install_queue_wakeups()
        dbos_private.install_local_event_wakeups()
        # DBOS's own event delivery polls this slowly here, so only the wake-up can be fast.
        DBOS(config={**dbos_app.config(db_path, "live"), "notification_listener_polling_interval_sec": 5.0})
        DBOS.launch()
        yield markers
        DBOS.destroy(destroy_registry=False)


def test_recover_pending_workflows_resumes_a_dead_executors_work_from_its_checkpoint(crashed: Path) -> None:
    handles = dbos_private.recover_pending_workflows([dbos_app.DEAD_EXECUTOR])
    resumable = next(h for h in handles if h.get_status().name == "resumable")
    assert resumable.get_result(polling_interval_sec=0.1) == "resumable-1 then resumable-2"
    # The first step was read back from the checkpoint, not run again.
    assert dbos_app.executions(crashed, "resumable-1") == 1
    assert dbos_app.executions(crashed, "resumable-2") == 1
    # A repeated call finds nothing left to recover of the resumed workflow.
    again = dbos_private.recover_pending_workflows([dbos_app.DEAD_EXECUTOR])
    assert resumable.workflow_id not in {h.workflow_id for h in again}


def test_abandoned_workflow_error_is_what_awaiting_a_dead_lettered_workflow_raises(crashed: Path) -> None:
    # fragile allows no recovery: recovering it dead-letters it instead of running it again.
    dbos_private.recover_pending_workflows([dbos_app.DEAD_EXECUTOR])
    fragile = next(
        wf for wf in DBOS.list_workflows(name="fragile", load_input=False, load_output=False)
    )
    handle = DBOS.retrieve_workflow(fragile.workflow_id)
    with pytest.raises(dbos_private.AbandonedWorkflowError):
        handle.get_result(polling_interval_sec=0.1)
    assert handle.get_status().status == "MAX_RECOVERY_ATTEMPTS_EXCEEDED"
    assert dbos_app.executions(crashed, "fragile-1") == 1


def test_override_worker_concurrency_limits_only_the_named_queue(crashed: Path) -> None:
    for name in ("limited", "shared"):
        DBOS.register_queue(name, worker_concurrency=3, polling_interval_sec=0.05, on_conflict="always_update")
    for name, expected in (("limited", 1), ("shared", 3)):
        queue = DBOS.retrieve_queue(name)
        assert queue is not None
        handles = [queue.enqueue(dbos_app.occupy, 0.4) for _ in range(3)]
        for handle in handles:
            handle.get_result(polling_interval_sec=0.05)
        assert dbos_app.take_max_in_flight() == expected, name


def test_wake_queue_starts_enqueued_work_before_the_next_poll(crashed: Path) -> None:
    DBOS.register_queue("sleepy", polling_interval_sec=8.0, on_conflict="always_update")
    deadline = time.monotonic() + 10
    while not dbos_private.wake_queue("sleepy"):  # the queue manager starts its worker within ~1 s
        assert time.monotonic() < deadline, "no worker thread for the queue"
        time.sleep(0.1)
    time.sleep(0.2)  # the worker is now in its 8 s polling wait
    queue = DBOS.retrieve_queue("sleepy")
    assert queue is not None
    started = time.monotonic()
    handle = queue.enqueue(dbos_app.quick, "woken")
    assert dbos_private.wake_queue("sleepy")
    assert handle.get_result(polling_interval_sec=0.05) == "woken"
    assert time.monotonic() - started < 3.0  # without the wake-up: up to 8 s
    assert not dbos_private.wake_queue("no-such-queue")


def test_wake_queue_leaves_the_queue_manager_running(crashed: Path) -> None:
    """A wake-up must reach only the woken queue's worker: once it also ended the wait of DBOS's queue
    manager, which took it for shutdown, so a queue registered afterwards never got a worker."""
    DBOS.register_queue("woken-first", polling_interval_sec=0.05, on_conflict="always_update")
    deadline = time.monotonic() + 10
    while not dbos_private.wake_queue("woken-first"):
        assert time.monotonic() < deadline, "no worker thread for the queue"
        time.sleep(0.1)
    for _ in range(20):  # the manager waits 1 s between its looks at the queues: some wakes land in it
        dbos_private.wake_queue("woken-first")
        time.sleep(0.1)
    DBOS.register_queue("registered-after", polling_interval_sec=0.05, on_conflict="always_update")
    queue = DBOS.retrieve_queue("registered-after")
    assert queue is not None
    handle = queue.enqueue(dbos_app.quick, "started")
    deadline = time.monotonic() + 15
    while handle.get_status().status != "SUCCESS":
        assert time.monotonic() < deadline, ("never dequeued", dbos_private.queue_diagnosis("registered-after"))
        time.sleep(0.1)
    assert dbos_private.queue_diagnosis("registered-after")["worker_threads"] == 1


def test_an_idle_queue_polls_slowly_and_a_busy_one_at_its_own_interval(crashed: Path) -> None:
    """Nothing of the queue running here: its worker waits the idle interval between polls (a wake-up
    still ends that wait). Work of its own running: back to its short interval."""
    dbos_private.install_queue_wakeups(idle_polling_interval_s=30.0)
    try:
        DBOS.register_queue("idle-polled", polling_interval_sec=0.05, on_conflict="always_update")
        deadline = time.monotonic() + 10
        while not dbos_private.wake_queue("idle-polled"):
            assert time.monotonic() < deadline, "no worker thread for the queue"
            time.sleep(0.1)
        time.sleep(0.3)  # the worker polled after the wake-up and is now in its idle wait
        queue = DBOS.retrieve_queue("idle-polled")
        assert queue is not None
        busy = queue.enqueue(dbos_app.occupy, 3.0)
        time.sleep(1.5)  # 30 polls at the queue's own interval
        assert busy.get_status().status == "ENQUEUED"
        assert dbos_private.wake_queue("idle-polled")
        deadline = time.monotonic() + 5
        while busy.get_status().status != "PENDING":
            assert time.monotonic() < deadline, "the wake-up did not end the idle wait"
            time.sleep(0.05)
        started = time.monotonic()
        quick = queue.enqueue(dbos_app.quick, "polled while busy")  # no wake-up: found by a poll
        assert quick.get_result(polling_interval_sec=0.05) == "polled while busy"
        assert time.monotonic() - started < 2.0
        busy.get_result(polling_interval_sec=0.1)
    finally:
        dbos_private.install_queue_wakeups()


def test_queue_diagnosis_names_the_workflows_holding_a_queue_here(crashed: Path) -> None:
    DBOS.register_queue("diagnosed", polling_interval_sec=0.05, on_conflict="always_update")
    queue = DBOS.retrieve_queue("diagnosed")
    assert queue is not None
    handle = queue.enqueue(dbos_app.occupy, 1.5)
    deadline = time.monotonic() + 10
    while (seen := dbos_private.queue_diagnosis("diagnosed"))["running_here"] != [handle.workflow_id]:
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert seen["worker_threads"] == 1 and seen["wakeable_waits"] == 1, seen
    handle.get_result(polling_interval_sec=0.05)
    # The result is recorded a moment before the executor lets go of the workflow.
    deadline = time.monotonic() + 10
    while (seen := dbos_private.queue_diagnosis("diagnosed"))["running_here"]:
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert dbos_private.queue_diagnosis("no-such-queue") == {"worker_threads": 0, "wakeable_waits": 0,
                                                             "running_here": []}


def test_local_event_wakeup_delivers_a_set_event_before_the_listener_polls(crashed: Path) -> None:
    handle = DBOS.start_workflow(dbos_app.publish_after, 0.5, "published")
    started = time.monotonic()
    assert DBOS.get_event(handle.workflow_id, "result", timeout_seconds=20) == "published"
    assert time.monotonic() - started < 3.0  # without the wake-up: the listener's 5 s poll


def test_no_private_dbos_api_outside_the_adapter() -> None:
    private = re.compile(r"\bdbos\._|\bDBOS\._")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if path.name != "dbos_private.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []
