"""Every kind of work, by case type. Kind modules register themselves when imported; the
catalogue imports them all on first use, so adding a kind is adding a module to ``jobs/``."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, TypeVar

from reelforge.jobs.base import JobKind

K = TypeVar("K", bound=JobKind[Any, Any])

_KINDS: dict[str, JobKind[Any, Any]] = {}
_loaded = False


def register(kind: K) -> K:
    if kind.case_type in _KINDS and _KINDS[kind.case_type] is not kind:
        raise ValueError(f"job kind {kind.case_type!r} declared twice")
    _KINDS[kind.case_type] = kind
    return kind


def load_all() -> dict[str, JobKind[Any, Any]]:
    """Import every module of the ``jobs`` package (once) and return the kinds by case type."""
    global _loaded
    if not _loaded:
        import reelforge.jobs as pkg

        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}."):
            importlib.import_module(info.name)
        _loaded = True
    return _KINDS


def kind(case_type: str) -> JobKind[Any, Any]:
    kinds = load_all()
    if case_type not in kinds:
        raise KeyError(f"no job kind {case_type!r}")
    return kinds[case_type]
