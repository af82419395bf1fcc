"""The job engine: our pipelines on DBOS Transact.

One parent workflow per request (queue ``jobs``) walks the request's plan; each stage runs
as a child workflow on its own queue (``cpu``, ``render``, ``io``, ``gpu``) so worker
processes can specialise, and each child is a single checkpointed step: after a crash the
finished stages are read back from the checkpoint and only the unfinished one runs again.
Domain state (status, results, money) stays in our tables; DBOS holds execution state.

Hand-offs are event-driven: whoever enqueues work wakes the queue's workers (pipeline/wakeups.py),
and a stage workflow publishes its result as a DBOS workflow event that wakes the waiting request
workflow at once (in this process directly, across processes by DBOS's LISTEN/NOTIFY on PostgreSQL).
Polling remains only the fallback for a lost wake-up.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import os
import threading
import time
import traceback
from typing import Any

from dbos import DBOS, SetWorkflowID
from sqlalchemy import select, update
from tenacity import Retrying, retry_if_result, wait_exponential

from reelforge.core import eta, events, requests, webhook_secrets
from reelforge.core.errors import ApiError
from reelforge.core.hashing import content_hash
from reelforge.db.database import use_wal
from reelforge.db.models import Request, RequestEvent, StageRun, WebhookAttempt, utcnow
from reelforge.db.retry import retry_transient
from reelforge.jobs import catalog
from reelforge.jobs.base import JobKind, StageContext, StageDef
from reelforge.pipeline import render_chunks
from reelforge.pipeline.cluster import ClusterMonitor, default_executor_id
from reelforge.pipeline.dbos_private import (
    AbandonedWorkflowError,
    install_local_event_wakeups,
    install_queue_wakeups,
)
from reelforge.pipeline.outcomes import await_published
from reelforge.pipeline.queue_limits import use_local_worker_concurrency
from reelforge.pipeline.recovery import SubmissionRecoverer
from reelforge.pipeline.wakeups import QueueWakeups
from reelforge.runtime import Runtime, runtime
from reelforge.settings import Settings
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import StageOutput
from reelforge.standard_webhooks import headers_for
from reelforge.storage import fetch

log = logging.getLogger("reelforge.engine")

JOBS_QUEUE = "jobs"
# Requests that may be held for process_next (v2 step mode, or a kind with a ``hold_stage`` that
# pause_render may hold): a held workflow stays PENDING and would take one of the jobs queue's
# slots while it waits, so enough held requests would starve every other request.
HELD_QUEUE = "held_jobs"
HELD_CONCURRENCY = 1000
WEBHOOK_QUEUE = "io"
MAX_RECOVERY_ATTEMPTS = Settings().max_recovery_attempts
ABANDONED_MESSAGE = "The job crashed its worker too many times and was abandoned."
STAGE_RESULT = "stage_result"  # the workflow event a stage workflow publishes its outcome under
PROCESS_NEXT = "process_next"  # the message topic (per paused stage) that resumes a paused request
PAUSE_RECHECK_S = 30.0  # how often a paused request looks whether it was cancelled meanwhile


class StageFailed(Exception):
    """A stage raised; the message is what clients see as ``expressGenerationError``."""


# --- steps -----------------------------------------------------------------------------------


def _get_request(request_id: str) -> Request:
    # A database restart must pause the engine's bookkeeping, not fail the job (db/retry.py).
    return retry_transient(lambda: requests.get(runtime().db, request_id), what=f"load {request_id}")


@DBOS.step()
def load_plan(request_id: str) -> list[list[tuple[str, str]]]:
    """The request's stage groups as (stage, queue) pairs."""
    req = _get_request(request_id)
    kind = catalog.kind(req.case_type)
    return [[(name, kind.stage(name).queue) for name in group] for group in req.input.get("plan", [])]


def holdable_stages(req: Request) -> list[str]:
    """The stages the request may be held before: a step request's ``pause_before``, and the
    stage its kind lets pause_render hold (``JobKind.hold_stage``)."""
    hold_stage = catalog.kind(req.case_type).hold_stage
    return [*(req.input.get("pause_before") or []), *([hold_stage] if hold_stage else [])]


@DBOS.step()
def load_pauses(request_id: str) -> list[str]:
    return holdable_stages(_get_request(request_id))


@DBOS.step()
def begin_group(request_id: str, stages: list[str]) -> list[str]:
    """Which of a group's holdable stages to hold now (core/requests.py decides it under the
    request's row lock, so a pause_render racing the engine is honoured or refused, never lost)."""
    rt = runtime()
    return retry_transient(
        lambda: requests.begin_group(rt.db, request_id, stages, rt.settings.executor_id), what="begin group"
    )


@DBOS.step()
def still_pending(request_id: str) -> bool:
    return _get_request(request_id).status == "PENDING"


def _inject_faults(rt: Runtime, stage_name: str, ctx: StageContext[Any]) -> None:
    s = rt.settings
    if stage_name in s.fault_crash_stages:
        log.warning("fault injection: crashing the process in stage %s", stage_name)
        os._exit(137)
    deadline = time.monotonic() + s.fault_stage_delay_s
    while time.monotonic() < deadline and not ctx.env.is_cancelled():
        time.sleep(0.1)
    if stage_name in s.fault_fail_stages:
        raise StageFailed(f"Injected failure in stage {stage_name}.")


def _input_hash(ctx: StageContext[Any], stage: StageDef[Any]) -> str | None:
    if stage.cache_key is None:
        return None
    return content_hash({"stage": stage.name, "key": stage.cache_key(ctx)})


def _cached_output(rt: Runtime, account_id: str, stage_name: str, input_hash: str) -> dict[str, Any] | None:
    with rt.db.session() as s:
        row = s.execute(
            select(StageRun.output)
            .join(Request, Request.id == StageRun.request_id)
            .where(StageRun.stage == stage_name, StageRun.input_hash == input_hash,
                   StageRun.status.in_(("COMPLETED", "REUSED")), Request.account_id == account_id)
            .order_by(StageRun.id.desc()).limit(1)
        ).scalar_one_or_none()
    return dict(row) if row is not None else None


def _record_run(**values: Any) -> int:
    def insert() -> int:
        with runtime().db.session() as s:
            run = StageRun(executor_id=runtime().settings.executor_id, **values)
            s.add(run)
            s.flush()
            return run.id

    return retry_transient(insert, what=f"record stage {values.get('stage')}")


def _finish_run(run_id: int, **values: Any) -> None:
    def update() -> None:
        with runtime().db.session() as s:
            row = s.get(StageRun, run_id)
            if row:
                for name, value in values.items():
                    setattr(row, name, value)

    retry_transient(update, what="finish stage run")


def _publish(req: Request, type_: events.EventType, data: dict[str, Any]) -> None:
    """Append to the request's event log and hand the event to its webhook filter."""
    event = retry_transient(
        lambda: events.append(runtime().db, req.id, type_, data, total_stages=events.stage_count(req)),
        what=f"{type_} event of {req.id}",
    )
    if event is not None:
        notify_event(req, event)


def _previews(rt: Runtime, output: StageOutput) -> list[str]:
    return output.previews(rt.blobs.url)


@DBOS.step()
def execute_stage(request_id: str, stage_name: str, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rt = runtime()
    req = _get_request(request_id)
    if req.status != "PENDING":
        return {"skipped": True}
    kind: JobKind[Any, Any] = catalog.kind(req.case_type)
    stage = kind.stage(stage_name)
    runner = render_chunks.chunk_runner(rt, request_id, _wake) if stage.queue == render_chunks.RENDER_QUEUE else None
    env = StageEnv(rt, req, stage=stage_name, done_stages=frozenset(outputs), on_event=lambda e: notify_event(req, e),
                   chunk_runner=runner)
    ctx = StageContext(env, kind.load_input(req), outputs)
    input_hash = _input_hash(ctx, stage)
    if input_hash is not None:
        key = input_hash
        cached = retry_transient(lambda: _cached_output(rt, req.account_id, stage_name, key))
        if cached is not None:
            _record_run(request_id=request_id, stage=stage_name, status="REUSED", input_hash=input_hash,
                        output=cached, finished_at=utcnow())
            _publish(req, "stage_finished", {"stage": stage_name, "reused": True, "eta_s": env.eta_s(1.0)})
            return cached
    run_id = _record_run(request_id=request_id, stage=stage_name, status="IN_PROGRESS", input_hash=input_hash)
    env.medians = retry_transient(lambda: eta.stage_medians(rt.db, [n for g in env.plan() for n in g]))
    _publish(req, "stage_started", {"stage": stage_name, "queue": stage.queue, "eta_s": env.eta_s()})
    report_queue_positions(stage.queue)  # everyone waiting behind this stage moved up
    try:
        _inject_faults(rt, stage_name, ctx)
        # A stage is safe to run again (crash recovery does exactly that), so one cut short by a
        # database outage runs again once the database is back instead of failing the job.
        result = retry_transient(lambda: stage.fn(ctx), what=f"stage {stage_name}")
        output = result.model_dump(mode="json", exclude_none=True)
    except Exception as exc:
        message = str(exc) or exc.__class__.__name__
        log.error("stage %s of %s failed: %s", stage_name, request_id, traceback.format_exc())
        _finish_run(run_id, status="FAILED", error=message, finished_at=utcnow())
        raise StageFailed(message) from None
    _finish_run(run_id, status="COMPLETED", finished_at=utcnow(), output=output)
    finished: dict[str, Any] = {"stage": stage_name, "eta_s": env.eta_s(1.0)}
    previews = _previews(rt, result)
    if previews:
        finished["preview_url"] = previews[0]
        finished["preview_urls"] = previews
    _publish(req, "stage_finished", finished)
    return output


@DBOS.step()
def finish(request_id: str, outputs: dict[str, dict[str, Any]]) -> None:
    rt = runtime()
    result: dict[str, Any] = {}
    final_price: int | None = None
    for out in outputs.values():
        result.update(out.get("result") or {})
        if out.get("final_price") is not None:
            final_price = int(out["final_price"])
    retry_transient(lambda: requests.complete(rt.db, request_id, result, final_price), what=f"complete {request_id}")


@DBOS.step()
def fail(request_id: str, message: str) -> None:
    retry_transient(lambda: requests.fail(runtime().db, request_id, message), what=f"fail {request_id}")


# --- workflows -------------------------------------------------------------------------------


@DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
def stage_workflow(request_id: str, stage_name: str, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    # The outcome goes out as an event so the request workflow wakes at once (see _await_stage).
    try:
        output = execute_stage(request_id, stage_name, outputs)
    except StageFailed as exc:
        DBOS.set_event(STAGE_RESULT, {"error": str(exc)})
        raise
    DBOS.set_event(STAGE_RESULT, {"output": output})
    return output


def _await_stage(handle: Any) -> dict[str, Any]:
    """The stage workflow's output, woken by its ``STAGE_RESULT`` event (pipeline/outcomes.py); a
    stage that ended without publishing has ``get_result`` raise what it ended with."""
    outcome = await_published(handle, STAGE_RESULT, runtime().settings.stage_result_fallback_s)
    if outcome is None:
        return dict(handle.get_result())
    if "error" in outcome:
        raise StageFailed(outcome["error"])
    return dict(outcome["output"])


def _start_stages(request_id: str, stages: list[tuple[str, str]], outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Enqueue each (stage, queue) of a group, then wake those queues once for the whole group."""
    handles = {}
    for name, queue in stages:
        with SetWorkflowID(f"{request_id}:{name}"):
            handles[name] = DBOS.retrieve_queue(queue).enqueue(  # type: ignore[union-attr]
                stage_workflow, request_id, name, outputs)
    _wake(*sorted({queue for _name, queue in stages}))  # not recorded: a replay's extra wake-up only costs one poll
    return handles


def process_next_topic(stage: str) -> str:
    return f"{PROCESS_NEXT}:{stage}"


def _await_process_next(request_id: str, stages: list[str]) -> bool:
    """Hold the request until ``process_next`` (True) or until it is no longer PENDING (False).

    A durable wait: ``DBOS.recv`` is recorded, so a request recovered after every process was
    killed waits here again, and a message sent while it waited is kept for it. One topic per
    paused stage, so a duplicate ``process_next`` cannot release a later pause."""
    while DBOS.recv(process_next_topic(stages[0]), timeout_seconds=PAUSE_RECHECK_S) is None:
        if not still_pending(request_id):
            return False
    return True


@DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
def request_workflow(request_id: str) -> None:
    outputs: dict[str, dict[str, Any]] = {}
    try:
        holdable = set(load_pauses(request_id))
        for group in load_plan(request_id):
            maybe_held = [name for name, _queue in group if name in holdable]
            pause_before = set(begin_group(request_id, maybe_held)) if maybe_held else set()
            # The group's other stages run while the paused ones wait for process_next.
            handles = _start_stages(request_id, [(name, queue) for name, queue in group if name not in pause_before],
                                    outputs)
            report_queued(sorted({queue for name, queue in group if name in handles}))
            held = [(name, queue) for name, queue in group if name in pause_before]
            if held:
                if not _await_process_next(request_id, [name for name, _queue in held]):
                    return  # cancelled while paused: the cancel refunded it and sent its webhook
                handles.update(_start_stages(request_id, held, outputs))
                report_queued(sorted({queue for _name, queue in held}))
            for name, _queue in group:
                outputs[name] = _await_stage(handles[name])
        finish(request_id, outputs)
    except StageFailed as exc:
        fail(request_id, str(exc))
    except AbandonedWorkflowError:
        # DBOS gave up on a stage that killed its workers; the Janitor may notice the same dead
        # stage first: whichever does, the request ends with this message (fail() is idempotent).
        fail(request_id, ABANDONED_MESSAGE)
    except Exception as exc:  # an engine-level error must still end the request, refunded
        fail(request_id, f"Internal error: {exc.__class__.__name__}")
    notify(request_id)


@DBOS.step()
def webhook_body(request_id: str, seq: int | None = None) -> tuple[str | None, str, str]:
    """What a delivery posts: the status body, the request's ``metadata``, and for an event
    delivery (``seq``) the event itself."""
    req = _get_request(request_id)
    body = retry_transient(lambda: requests.status_body(runtime().db, req))
    if req.client_metadata is not None:
        body["metadata"] = req.client_metadata
    if seq is not None:
        found = retry_transient(lambda: events.after(runtime().db, request_id, seq - 1, limit=1))
        if found and found[0].seq == seq:
            body["event"] = events.wire(found[0])
    return req.webhook_url, req.status, json.dumps(body, separators=(",", ":"))


@DBOS.step()
def deliver_once(request_id: str, event_id: str, url: str, body: str, attempt: int) -> bool:
    rt = runtime()
    status: int | None = None
    error: str | None = None
    account_id = _get_request(request_id).account_id
    signing = retry_transient(lambda: webhook_secrets.signing_secrets(rt.db, rt.settings, account_id))
    try:
        # Checked again now, connected to the checked address: the name may point elsewhere since acceptance.
        status = fetch.post(url, body.encode(), headers_for(signing, event_id, body.encode()), rt.webhook_policy)
    except ApiError as exc:
        error = exc.message

    def record() -> None:
        with rt.db.session() as s:
            s.add(
                WebhookAttempt(
                    request_id=request_id, event_id=event_id, url=url, attempt=attempt, status_code=status, error=error
                )
            )

    retry_transient(record, what="record webhook attempt")
    return status is not None and 200 <= status < 300


def _redelivery(settings: Settings) -> Retrying:
    """Attempts until one is delivered: waits double from ``webhook_initial_backoff_s`` up to
    ``webhook_max_backoff_s`` while their sum stays within ``webhook_retry_window_s``.

    The waits are ``DBOS.sleep`` (durable: a restarted worker resumes the schedule) and the window
    counts scheduled waits, not the wall clock, so a recovered workflow replays the same attempts."""
    window_s = settings.webhook_retry_window_s
    return Retrying(
        sleep=DBOS.sleep,
        wait=wait_exponential(multiplier=settings.webhook_initial_backoff_s, max=settings.webhook_max_backoff_s),
        stop=lambda state: state.idle_for + state.upcoming_sleep > window_s,
        retry=retry_if_result(lambda delivered: not delivered),
        retry_error_callback=lambda _state: False,
    )


@DBOS.workflow()
def webhook_workflow(request_id: str, event_id: str, seq: int | None = None) -> bool:
    url, _status, body = webhook_body(request_id, seq)
    if not url:
        return False
    delivered = False
    for attempt in _redelivery(runtime().settings):
        with attempt:
            delivered = deliver_once(request_id, event_id, url, body, attempt.retry_state.attempt_number)
        if attempt.retry_state.outcome and not attempt.retry_state.outcome.failed:
            attempt.retry_state.set_result(delivered)
    return delivered


# --- the interface the rest of reelforge uses ------------------------------------------------


def notify(request_id: str) -> None:
    """Queue the webhook for a request's terminal state (idempotent per state), unless its
    ``webhook_events_filter`` leaves "completed" out."""
    req = _get_request(request_id)
    if not req.webhook_url or req.status not in requests.TERMINAL:
        return
    if req.webhook_events is not None and "completed" not in req.webhook_events:
        return
    event_id = f"evt_{req.id}_{req.status.lower()}"
    with SetWorkflowID(event_id):
        DBOS.retrieve_queue(WEBHOOK_QUEUE).enqueue(webhook_workflow, req.id, event_id)  # type: ignore[union-attr]
    _wake(WEBHOOK_QUEUE)


# Replicate's webhook_events_filter names -> the events each delivers ("completed" is ``notify``).
WEBHOOK_FILTERS: dict[str, tuple[str, ...]] = {
    "start": ("stage_started",),  # the request's first stage starting
    "output": ("stage_finished",),  # a stage finished with something to look at
    "logs": ("queued", "progress"),
}


def _wanted(req: Request, event: RequestEvent) -> bool:
    chosen = req.webhook_events or []
    if not any(event.type in WEBHOOK_FILTERS.get(name, ()) for name in chosen):
        return False
    if event.type == "stage_started":
        return retry_transient(lambda: events.first_seq(runtime().db, req.id, "stage_started")) == event.seq
    if event.type == "stage_finished":
        return bool(event.data.get("preview_url"))
    return True


def notify_event(req: Request, event: RequestEvent) -> None:
    """Queue a webhook delivery of a non-terminal event the request's filter asks for."""
    if not req.webhook_url or req.webhook_events is None or not _wanted(req, event):
        return
    event_id = f"evt_{req.id}_{event.seq}"

    def enqueue_delivery() -> None:
        with SetWorkflowID(event_id):
            DBOS.retrieve_queue(WEBHOOK_QUEUE).enqueue(  # type: ignore[union-attr]
                webhook_workflow, req.id, event_id, event.seq
            )

    # Stages report events from inside a DBOS step, where DBOS refuses to start workflows; a
    # delivery is a workflow of its own (not the stage's child), so it is started from a thread
    # outside the step's context.
    starter = threading.Thread(target=enqueue_delivery, name="reelforge-event-webhook")
    starter.start()
    starter.join()
    _wake(WEBHOOK_QUEUE)


def _waiting(queue: str) -> list[str]:
    """Ids of the workflows waiting on ``queue``, first to start first."""
    waiting = DBOS.list_queued_workflows(queue_name=queue, status="ENQUEUED", load_input=False, load_output=False,
                                         limit=QUEUE_REPORT_LIMIT)
    return [wf.workflow_id for wf in waiting]


QUEUE_REPORT_LIMIT = 200  # positions beyond this are reported once they come within it


def report_queue_positions(queue: str) -> None:
    """Record a ``queued`` event with ``queue_position`` (workflows waiting ahead: 0 = next to start)
    for every request whose position on ``queue`` changed. Called whenever something starts on or
    is added to the queue, which are the only moments positions change (besides cancellations,
    which the next start catches up with)."""
    db = runtime().db
    try:
        waiting = _waiting(queue)
    except Exception:  # positions are informative: a failed look never holds up a stage
        log.warning("could not list queue %s", queue, exc_info=True)
        return
    for position, workflow_id in enumerate(waiting):
        request_id, _, stage = workflow_id.partition(":")
        try:
            retry_transient(functools.partial(events.record_queue_position, db, request_id, stage or None, queue,
                                              position))
        except Exception:
            log.warning("could not record the queue position of %s", workflow_id, exc_info=True)


@DBOS.step()
def report_queued(queues: list[str]) -> None:
    for queue in queues:
        report_queue_positions(queue)


def process_next(request_id: str, stages: list[str]) -> None:
    """Release a request held before ``stages`` (one group's held stages, in plan order);
    idempotent: a repeated call sends nothing new."""
    # Recorded first, so the stages show as waiting to run (not held) from now on.
    for name in stages:
        _record_run(request_id=request_id, stage=name, status="PENDING")
    topic = process_next_topic(stages[0])
    DBOS.send(request_id, {"stages": stages}, topic=topic, idempotency_key=f"{request_id}:{topic}")


def _start_request_workflow(queue: str, request_id: str) -> None:
    with SetWorkflowID(request_id):
        DBOS.retrieve_queue(queue).enqueue(request_workflow, request_id)  # type: ignore[union-attr]


def enqueue(request_id: str, *, may_pause: bool | None = None) -> None:
    """Start a request's workflow, then clear its intent-to-run marker (``enqueued_at``); the
    request id doubles as workflow id, so this is idempotent (the recoverer relies on it).
    ``may_pause``: it has stages to hold for process_next (its own queue, see HELD_QUEUE); when
    not said (the recoverer), read from the request."""
    if may_pause is None:
        may_pause = bool(holdable_stages(_get_request(request_id)))
    queue = HELD_QUEUE if may_pause else JOBS_QUEUE
    # In a context of its own: a stage may start another request (the assistant's tool call starts the
    # caller's video), and DBOS refuses to start a workflow from inside a step (an AssertionError on
    # the step's context), so such a request waited for the submission recoverer's next pass (10 s).
    # It is an independent request, not a child: its id keeps a replayed step from starting it twice.
    contextvars.Context().run(_start_request_workflow, queue, request_id)
    _wake(queue)

    def mark() -> None:
        with runtime().db.session() as s:
            s.execute(
                update(Request).where(Request.id == request_id, Request.enqueued_at.is_(None)).values(
                    enqueued_at=utcnow()
                )
            )

    retry_transient(mark, what=f"mark {request_id} enqueued")
    report_queue_positions(queue)


def cancel(req: Request) -> None:
    DBOS.cancel_workflow(req.id)
    for name in {n for group in req.input.get("plan", []) for n in group}:
        with contextlib.suppress(Exception):  # the stage had not been enqueued yet
            DBOS.cancel_workflow(f"{req.id}:{name}")
    with contextlib.suppress(Exception):  # chunks only exist for a long render on several workers
        render_chunks.cancel_chunks(req.id)


_monitor: ClusterMonitor | None = None
_wakeups: QueueWakeups | None = None


def _wake(*queues: str) -> None:
    if _wakeups is not None:
        _wakeups.enqueued(*queues)


_recoverer: SubmissionRecoverer | None = None


def start(rt: Runtime, queues: list[str] | None) -> None:
    """Launch DBOS in this process. ``queues``: which queues this process works (None = all, [] = none).

    Also starts this process's heartbeat and dead-executor recovery (pipeline/cluster.py), and
    the submission recoverer (pipeline/recovery.py): any process that can enqueue does it."""
    global _monitor, _wakeups, _recoverer
    catalog.load_all()
    s = rt.settings
    s.executor_id = default_executor_id(s, embedded=queues is None)
    use_wal(s.resolved_engine_database_url)
    DBOS(
        config={
            "name": "reelforge",
            "system_database_url": s.resolved_engine_database_url,
            "application_version": s.application_version,
            "executor_id": s.executor_id,
            "log_level": "WARNING",
            "notification_listener_polling_interval_sec": 0.2,
            # No pre-ping (an extra round trip before each of the ~25 transactions of a stage
            # hand-off): every system-database call is wrapped in DBOS's db_retry, so a connection
            # left stale by a database restart fails once and is retried on a fresh one.
            "db_engine_kwargs": {"pool_pre_ping": False},
        }
    )
    all_queues = {JOBS_QUEUE: 32, HELD_QUEUE: HELD_CONCURRENCY, **s.queue_concurrency}
    use_local_worker_concurrency(all_queues)
    if queues is not None:
        DBOS.listen_queues(queues)
    install_queue_wakeups(s.queue_idle_polling_interval_s)
    install_local_event_wakeups()
    DBOS.launch()
    for name, concurrency in all_queues.items():
        DBOS.register_queue(name, worker_concurrency=concurrency, polling_interval_sec=s.queue_polling_interval_s,
                            on_conflict="always_update")
    _monitor = ClusterMonitor(
        rt.db,
        s.executor_id,
        sorted(all_queues) if queues is None else list(queues),
        interval_s=s.heartbeat_interval_s,
        dead_after_s=s.executor_dead_after_s,
    )
    _monitor.start()
    _wakeups = QueueWakeups(rt.db, sorted(all_queues) if queues is None else list(queues))
    _wakeups.start()
    _recoverer = SubmissionRecoverer(rt, enqueue)
    _recoverer.start()


def stop() -> None:
    global _monitor, _wakeups, _recoverer
    if _recoverer is not None:
        _recoverer.stopped.set()
        _recoverer = None
    if _monitor is not None:
        _monitor.stop()
        _monitor = None
    if _wakeups is not None:
        _wakeups.stop()
        _wakeups = None
    DBOS.destroy(destroy_registry=False)


class Janitor(threading.Thread):
    """Ends requests whose workflows DBOS gave up on (recovery attempts exhausted) as FAILED and
    refunded, so no request stays PENDING forever."""

    def __init__(self, interval_s: float = 5.0):
        super().__init__(daemon=True, name="reelforge-janitor")
        self.interval_s = interval_s
        self.stopped = threading.Event()

    def sweep(self) -> None:
        dead = DBOS.list_workflows(
            status=["MAX_RECOVERY_ATTEMPTS_EXCEEDED"],
            load_input=False,
            load_output=False,
            name=[request_workflow.__qualname__, stage_workflow.__qualname__],
            limit=200,
            sort_desc=True,
        )
        rt = runtime()
        for wf in dead:
            request_id = wf.workflow_id.split(":", 1)[0]
            try:
                if requests.fail(rt.db, request_id, ABANDONED_MESSAGE):
                    notify(request_id)
            except Exception:
                log.exception("janitor could not end %s", request_id)

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                self.sweep()
            except Exception:
                log.exception("janitor sweep failed")
