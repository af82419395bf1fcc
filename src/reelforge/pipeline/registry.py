"""Stage and pipeline declarations.

A *stage* is one unit of checkpointed work (``stages/*`` modules declare them with
``@stage``). A request carries its *plan*: an ordered list of groups, the stages inside a
group being independent of each other and so run in parallel. Plans are data, stored on the
request, so an operation on a session can re-run just the stages whose inputs changed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.core import requests
from reelforge.db.models import Request
from reelforge.db.retry import is_transient
from reelforge.runtime import Runtime

Plan = list[list[str]]


@dataclass
class StageContext:
    rt: Runtime
    request: Request
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def input(self) -> dict[str, Any]:
        return self.request.input

    def is_cancelled(self) -> bool:
        try:
            return requests.get(self.rt.db, self.request.id).status == "CANCELLED"
        except Exception as exc:
            if is_transient(exc):  # the database is restarting: keep working, ask again next poll
                return False
            raise

    def work_dir(self) -> Path:
        path = self.rt.settings.data_dir.resolve() / "work" / self.request.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def clean_work_dir(self) -> None:
        shutil.rmtree(self.rt.settings.data_dir.resolve() / "work" / self.request.id, ignore_errors=True)


StageFn = Callable[[StageContext], dict[str, Any]]
CacheKeyFn = Callable[[StageContext], Any]


@dataclass(frozen=True)
class StageDef:
    name: str
    fn: StageFn
    queue: str
    cache_key: CacheKeyFn | None = None  # the stage's inputs; same inputs → reuse the earlier output


STAGES: dict[str, StageDef] = {}


def stage(name: str, queue: str = "cpu", cache_key: CacheKeyFn | None = None) -> Callable[[StageFn], StageFn]:
    """Declare a stage. Its function returns a JSON-serialisable dict; a ``result`` key in it is
    merged into the request's result, and ``final_price`` settles the charge.

    ``cache_key`` returns everything the stage's output depends on; when an earlier run of the
    stage for the same account had the same key, its output is reused instead of recomputed."""

    def register(fn: StageFn) -> StageFn:
        if name in STAGES and STAGES[name].fn is not fn:
            raise ValueError(f"stage {name!r} declared twice")
        STAGES[name] = StageDef(name, fn, queue, cache_key)
        return fn

    return register


def load_stage_modules() -> None:
    """Import every stage module so its declarations run (needed before the engine launches)."""
    import importlib
    import pkgutil

    import reelforge.stages as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")
