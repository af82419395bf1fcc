"""What a stage function receives besides its typed arguments: the runtime and the request it
works for (its id names the files it writes), a scratch directory, cancellation, and progress reports."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from reelforge.core import eta, events, requests
from reelforge.db.models import Request, RequestEvent, StageRun
from reelforge.db.retry import is_transient
from reelforge.render.chunks import ChunkRunner
from reelforge.runtime import Runtime
from reelforge.stages.outputs import StageOutput

OutT = TypeVar("OutT", bound=StageOutput)
log = logging.getLogger("reelforge.stages")

# A progress event at most this often, and only for this much more of the stage: a render reports
# every ffmpeg progress block (twice a second) and a crawl every page.
PROGRESS_MIN_INTERVAL_S = 0.5
PROGRESS_MIN_STEP = 0.01


@dataclass
class StageEnv:
    rt: Runtime
    request: Request
    stage: str = ""  # the running stage's public name (set by the engine)
    done_stages: frozenset[str] = frozenset()
    medians: dict[str, float] = field(default_factory=dict)  # core/eta.stage_medians of the plan's stages
    on_event: Callable[[RequestEvent], None] | None = None  # the engine's webhook hook
    # Where a render may hand its chunks to other workers (pipeline/render_chunks.py); None: render here.
    chunk_runner: ChunkRunner | None = None
    _started: float = field(default_factory=time.monotonic)
    _reported: tuple[float, float] = (0.0, 0.0)  # (fraction, monotonic time) of the last progress event

    @property
    def request_id(self) -> str:
        return self.request.id

    def is_cancelled(self) -> bool:
        try:
            return requests.get(self.rt.db, self.request.id).status == "CANCELLED"
        except Exception as exc:
            if is_transient(exc):  # the database is restarting: keep working, ask again next poll
                return False
            raise

    def plan(self) -> list[list[str]]:
        return events.plan_of(self.request)

    def eta_s(self, fraction: float = 0.0) -> float | None:
        """Seconds the request has left, this stage being ``fraction`` done (core/eta.py)."""
        running = {self.stage: (time.monotonic() - self._started, fraction)} if self.stage else {}
        return eta.remaining_s(self.plan(), self.medians, set(self.done_stages), running)

    def progress(self, fraction: float, detail: str | None = None, **data: Any) -> None:
        """Report that the running stage is ``fraction`` (0-1) done, e.g. frames encoded or pages fetched.

        Throttled (``PROGRESS_MIN_INTERVAL_S``, ``PROGRESS_MIN_STEP``) and never backwards; a database
        hiccup drops the report rather than failing the stage, since the next one supersedes it."""
        fraction = min(max(fraction, 0.0), 1.0)
        last_fraction, last_time = self._reported
        now = time.monotonic()
        if fraction < last_fraction + PROGRESS_MIN_STEP or (now - last_time < PROGRESS_MIN_INTERVAL_S and fraction < 1):
            return
        self._reported = (fraction, now)
        body: dict[str, Any] = {"stage": self.stage, "stage_percent": round(100 * fraction, 1),
                                "eta_s": self.eta_s(fraction), **data}
        if detail:
            body["detail"] = detail
        try:
            event = events.append(self.rt.db, self.request.id, "progress", body,
                                  total_stages=events.stage_count(self.request), fraction=fraction)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("progress of %s not recorded: %s", self.request.id, exc)
            return
        if event is not None and self.on_event is not None:
            self.on_event(event)

    def work_dir(self) -> Path:
        path = self.rt.settings.data_dir.resolve() / "work" / self.request.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def clean_work_dir(self) -> None:
        shutil.rmtree(self.rt.settings.data_dir.resolve() / "work" / self.request.id, ignore_errors=True)

    def session_file(self, name: str) -> str:
        """The blob key of a file this request's session owns."""
        return f"sessions/{self.request.id}/{name}"

    def earlier_output(self, request_id: str, model: type[OutT]) -> OutT:
        """The output another request's stage recorded (an operation re-uses its source's script
        or narration)."""
        with self.rt.db.session() as s:
            out = s.execute(
                select(StageRun.output)
                .where(
                    StageRun.request_id == request_id,
                    StageRun.stage == model.STAGE,
                    StageRun.status.in_(("COMPLETED", "REUSED")),
                )
                .order_by(StageRun.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        if out is None:
            raise ValueError(f"no {model.STAGE} output recorded for {request_id}")
        return model.model_validate(out)
