"""Answers of deterministic local models, kept by the content they were asked about.

Reading the print on a product photo (0.3-1 s of OCR) or finding where its text lies (0.15-0.25 s)
gives the same answer every time for the same pixels, and the same photos come back often: a
video's script reads them, its render frames around their text, and every session operation,
re-roll and other video of the same catalogue asks again — often in another process (a render
worker, a restarted server).

So each such function is wrapped by ``remembered``: a small in-memory LRU in front of one on-disk
store shared by every process of a data dir (``settings.answers_dir``, SQLite through
``diskcache``, which is safe across processes and evicts the least recently stored past its size
limit). A process whose runtime was never initialised (a library caller, an in-process test) keeps
the in-memory tier only. Values are pickled: the store is this deployment's own, never input."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

from cachetools import LRUCache

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

# Far above what the OCR answers of a catalogue take (a photo's lines: well under 1 KB).
SIZE_LIMIT_BYTES = 256 * 1024 * 1024
_MISSING = object()
_store: Any = None  # diskcache.Cache, imported only when a runtime opens one
_store_lock = threading.Lock()


def open_answers(directory: Path | None) -> None:
    """Share answers through ``directory`` from now on in this process (None: memory only)."""
    global _store
    with _store_lock:
        if _store is not None:
            _store.close()
        _store = None
        if directory is not None:
            from diskcache import Cache

            directory.mkdir(parents=True, exist_ok=True)
            _store = Cache(str(directory), size_limit=SIZE_LIMIT_BYTES)


class Remembered(Generic[P, T]):
    """``fn`` with its answers kept (see ``remembered``); ``memory`` is its in-process tier."""

    def __init__(self, fn: Callable[P, T], namespace: str, key: Callable[P, str], maxsize: int) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._namespace = namespace
        self._key = key
        self.memory: LRUCache[str, T] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        key = self._key(*args, **kwargs)
        with self._lock:
            kept = self.memory.get(key, _MISSING)
        if kept is not _MISSING:
            return kept  # type: ignore[return-value]  # not _MISSING: a T
        store = _store
        stored_key = f"{self._namespace}:{key}"
        found: Any = _MISSING
        if store is not None:
            try:
                found = store.get(stored_key, _MISSING, retry=True)
            except Exception:  # a store is only a shortcut: an unreadable one never fails the work
                log.warning("answers store: could not read %s", stored_key, exc_info=True)
        value: T = self._fn(*args, **kwargs) if found is _MISSING else found
        if store is not None and found is _MISSING:
            try:
                store.set(stored_key, value, retry=True)
            except Exception:  # e.g. a full disk: the answer is still good
                log.warning("answers store: could not keep %s", stored_key, exc_info=True)
        with self._lock:
            self.memory[key] = value
        return value


def remembered(
    namespace: str, key: Callable[P, str], maxsize: int = 256
) -> Callable[[Callable[P, T]], Remembered[P, T]]:
    """Keep a function's answers by ``key(*args)``, in memory and in the shared store. ``namespace``
    names the model and what is asked of it: change it whenever the answer for a key would
    change (another model, other settings), so that old answers are never handed out."""

    def wrap(fn: Callable[P, T]) -> Remembered[P, T]:
        return Remembered(fn, namespace, key, maxsize)

    return wrap
