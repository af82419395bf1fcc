"""Estimated time left for a request, from how long each stage took on this deployment: the median
duration of a stage's recent completed runs (``stage_runs``), so an ETA reflects this machine's
CPU, encoder and models rather than a constant."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from reelforge.db.database import Database
from reelforge.db.models import StageRun

RECENT_RUNS = 20  # per stage: recent enough to follow a changed deployment, enough to be stable


def stage_medians(db: Database, stages: Iterable[str]) -> dict[str, float]:
    """Median seconds of each stage's last ``RECENT_RUNS`` completed runs; stages never run are absent."""
    medians: dict[str, float] = {}
    with db.session() as s:
        for stage in sorted(set(stages)):
            rows = s.execute(
                select(StageRun.started_at, StageRun.finished_at)
                .where(StageRun.stage == stage, StageRun.status == "COMPLETED", StageRun.finished_at.is_not(None))
                .order_by(StageRun.id.desc())
                .limit(RECENT_RUNS)
            ).all()
            durations = [(end - start).total_seconds() for start, end in rows if end is not None]
            if durations:
                medians[stage] = statistics.median(durations)
    return medians


def remaining_s(
    plan: Sequence[Sequence[str]],
    medians: dict[str, float],
    done: set[str],
    running: dict[str, tuple[float, float]] | None = None,
) -> float | None:
    """Seconds left: for each unfinished group of the plan its slowest stage (a group's stages run in
    parallel). ``running``: stage -> (seconds elapsed, fraction reported); a running stage that has
    reported progress extrapolates its own speed. None while some stage has never run here."""
    running = running or {}
    total = 0.0
    for group in plan:
        left = []
        for stage in group:
            if stage in done:
                continue
            median = medians.get(stage)
            elapsed, fraction = running.get(stage, (0.0, 0.0))
            if fraction >= 0.05:
                left.append(elapsed * (1.0 - fraction) / fraction)
            elif median is not None:
                left.append(max(median - elapsed, 0.0))
            else:
                return None
        total += max(left, default=0.0)
    return round(total, 1)
