"""The embedded vector index: SQLite for durability, numpy (and HNSW for large templates) in memory. No server.

Each template's vectors live in one float32 matrix; a search scores the rows that pass the filters (a boolean mask
built from per-field numpy columns) with one matrix-vector product and keeps the best ``k``. Exact search has no
index to tune, recall 1.0 by construction, and a filter can never be traded against recall; its cost is linear in
the template's size (figures and the limits seen so far in docs/performance.md). Writes go to SQLite first (so a
restart reloads them) and then patch the in-memory table: replaced and deleted rows are tombstoned at once and
compacted on the next search.

Above ``ann_threshold`` live rows (``Settings.embeddings_ann_threshold``) a template also gets an HNSW graph
(usearch), kept in step with the rows (added on write, removed on delete, rebuilt from the SQLite vectors on
load; SQLite stays the source of truth). A search then asks the graph for an oversampled set of neighbours,
keeps those that pass the filter mask and re-scores them with the float32 matrix; selective filters, and a graph
that returns too few passing rows, fall back to the exact product, so a filter is still never violated.

Several processes may share one database file: each write bumps the template's version, and a process whose cached
version is stale reloads the template before searching.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from usearch.index import Index

from reelforge.search.fields import Condition, FilterSet, as_number, normalise
from reelforge.search.index import Hit, IndexItem

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
  template_id TEXT NOT NULL, source_id TEXT NOT NULL, chunk INTEGER NOT NULL,
  vector BLOB NOT NULL, text TEXT NOT NULL, filters TEXT NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (template_id, source_id, chunk));
CREATE TABLE IF NOT EXISTS template_versions (template_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""

# Templates below this many live rows stay exact (Settings.embeddings_ann_threshold overrides it per process).
ANN_THRESHOLD = 20_000
# HNSW shape, chosen on the bench's data (docs/performance.md): 16 links per node, 64-wide build beam, and a
# search beam of at least the number of candidates asked for.
ANN_CONNECTIVITY = 16
ANN_EXPANSION_ADD = 64
ANN_EXPANSION_SEARCH = 64
# Candidates fetched from the graph: at least ANN_MIN_PROBE; past ANN_MAX_PROBE (the filters pass so few rows)
# the exact product over the passing rows is cheaper than walking the graph.
ANN_MIN_PROBE = 250
ANN_MAX_PROBE = 1000


class _Table:
    """One template in memory. Rows are append-only; ``alive`` marks the current ones."""

    def __init__(self, dim: int | None = None, ann_threshold: int | None = None) -> None:
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.ann: _Ann | None = None
        self.keys: list[tuple[str, int]] = []
        self.texts: list[str] = []
        self.filters: list[dict[str, Any]] = []
        self.payloads: list[dict[str, Any]] = []
        self.rows_of: dict[str, list[int]] = {}
        self._pending: list[np.ndarray] = []
        # Rows live in a buffer that doubles when full, so appending a batch costs its own size, not the table's.
        self._buffer = np.empty((0, dim or 0), dtype=np.float32)
        self.matrix = self._buffer[:0]
        self.alive = np.empty(0, dtype=bool)
        self._columns: dict[str, tuple[np.ndarray, np.ndarray, dict[str, int]]] = {}

    def add(self, item: IndexItem) -> None:
        row = len(self.keys)
        self.keys.append((item.source_id, item.chunk))
        self.texts.append(item.text)
        self.filters.append(item.filters)
        self.payloads.append(item.payload)
        self.rows_of.setdefault(item.source_id, []).append(row)
        self._pending.append(np.asarray(item.vector, dtype=np.float32).reshape(1, -1))
        self._columns.clear()

    def remove(self, source_id: str) -> int:
        rows = self.rows_of.pop(source_id, [])
        self._compact()
        self.alive[rows] = False
        if self.ann is not None:
            self.ann.remove(rows)
        return len(rows)

    def _compact(self) -> None:
        if not self._pending:
            return
        new = np.vstack(self._pending)
        have = len(self.matrix)
        need = have + len(new)
        if need > len(self._buffer) or self._buffer.shape[1] != new.shape[1]:
            grown = np.empty((max(need, 2 * len(self._buffer), 1024), new.shape[1]), dtype=np.float32)
            if have:
                grown[:have] = self.matrix
            self._buffer = grown
        # Rows below ``have`` are never written again: a matrix view handed to a search stays valid.
        self._buffer[have:need] = new
        self.matrix = self._buffer[:need]
        self.alive = np.concatenate([self.alive, np.ones(len(new), dtype=bool)])
        self._pending = []
        self._sync_ann()

    def _sync_ann(self) -> None:
        """Offer the rows stacked since the last call to the graph; build it once the table crosses the
        threshold (from its live rows)."""
        if self.ann is None:
            if self.ann_threshold is None or np.count_nonzero(self.alive) < self.ann_threshold:
                return
            self.ann = _Ann(self.matrix.shape[1])
        self.ann.add(self.matrix, self.alive)

    def _column(self, path: str) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """One field as (numbers, NaN where absent; equality-key codes, -1 where absent; key -> code)."""
        if path not in self._columns:
            values = [f.get(path) for f in self.filters]
            nums = np.array([np.nan if (n := as_number(v)) is None else n for v in values], dtype=np.float64)
            # Integer codes keep equality and list filters a vectorised int comparison (object arrays are slow).
            codes: dict[str, int] = {}
            keyed = np.array([-1 if v is None else codes.setdefault(normalise(v), len(codes)) for v in values],
                             dtype=np.int64)
            self._columns[path] = (nums, keyed, codes)
        return self._columns[path]

    def candidates(self, filters: FilterSet) -> np.ndarray:
        snap = self.snapshot(filters)
        return snap.mask(filters)

    def snapshot(self, filters: FilterSet) -> _Snapshot:
        """What a search needs, consistent at this instant. Rows are append-only, a compaction builds a new
        matrix and a write rebuilds columns rather than patching them, so everything here stays valid after the
        caller releases the index's lock: the mask is computed, and the rows scored, outside it."""
        self._compact()
        return _Snapshot(self.matrix, self.alive.copy(), {c.path: self._column(c.path) for c in filters.conditions},
                         self.ann)

    def sources(self) -> int:
        return len(self.rows_of)


_Column = tuple[np.ndarray, np.ndarray, dict[str, int]]


def _condition_mask(column: _Column, cond: Condition) -> np.ndarray:
    nums, keyed, codes = column
    if cond.ranged:
        with np.errstate(invalid="ignore"):
            lo = nums >= cond.minimum if cond.minimum is not None else ~np.isnan(nums)
            hi = nums <= cond.maximum if cond.maximum is not None else ~np.isnan(nums)
        return np.asarray(lo & hi, dtype=bool)
    wanted = [codes[k] for k in {normalise(v) for v in cond.equals} if k in codes]
    return np.isin(keyed, wanted) if wanted else np.zeros(len(keyed), dtype=bool)


@dataclass(frozen=True)
class _Snapshot:
    matrix: np.ndarray
    alive: np.ndarray  # a copy: a delete clears rows of the table's own array in place
    columns: dict[str, _Column]
    ann: _Ann | None

    def mask(self, filters: FilterSet) -> np.ndarray:
        """Live rows passing every filter."""
        mask = self.alive.copy()
        for cond in filters.conditions:
            mask &= _condition_mask(self.columns[cond.path], cond)
        return mask


def score(matrix: np.ndarray, mask: np.ndarray, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The best ``k`` rows of ``matrix`` among ``mask``: one matrix-vector product and a partial sort."""
    rows = np.flatnonzero(mask)
    if not len(rows) or k <= 0:
        return []
    query = np.ascontiguousarray(vector, dtype=np.float32).ravel()
    # A dense mask scores every row in place (no copy of the matrix); a selective one gathers its rows first.
    dense = len(rows) * 4 >= len(mask)
    if dense:
        pool = matrix[: len(mask)] @ query
        pool[~mask] = -np.inf
    else:
        pool = matrix[rows] @ query
    take = min(k, len(rows))
    top = np.argpartition(-pool, take - 1)[:take]
    top = top[np.argsort(-pool[top], kind="stable")]
    return [(int(i if dense else rows[i]), float(pool[i])) for i in top]


class _ReadWriteLock:
    """Many searches at once, or one writer. A search holds the read side only while it walks the graph; the
    Python lock inside is held for a counter update, so concurrent searches never queue behind one another."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        # Holding the condition for the whole write also keeps new readers out until it is done.
        with self._cond:
            self._cond.wait_for(lambda: not self._readers)
            yield


class _Ann:
    """An HNSW graph (usearch) over a table's live rows; a row's key is its row number (rows are append-only, so
    a key is never reused). usearch cannot grow its storage while a search walks it, hence the read/write lock
    (its binding holds the GIL in both today, which already keeps them apart; the lock does not rely on that).
    Candidates only: the caller re-scores them with the float32 matrix, so half-precision storage costs no score
    precision, only a little candidate recall."""

    def __init__(self, dim: int) -> None:
        self.index = Index(ndim=dim, metric="ip", dtype="f16", connectivity=ANN_CONNECTIVITY,
                           expansion_add=ANN_EXPANSION_ADD, expansion_search=ANN_EXPANSION_SEARCH)
        self.size = 0  # rows [0, size) have been offered to the graph
        self._lock = _ReadWriteLock()

    def add(self, matrix: np.ndarray, alive: np.ndarray) -> None:
        rows = np.flatnonzero(alive[self.size:]) + self.size
        if len(rows):
            with self._lock.write():
                self.index.add(rows.astype(np.uint64), matrix[rows], threads=0)
        self.size = len(matrix)

    def remove(self, rows: Sequence[int]) -> None:
        present = [r for r in rows if r < self.size]
        if present:
            with self._lock.write():
                self.index.remove(np.asarray(present, dtype=np.uint64))

    def candidates(self, query: np.ndarray, count: int) -> np.ndarray:
        with self._lock.read():
            found = self.index.search(query, count, threads=1)
        return np.asarray(found.keys, dtype=np.int64)


def _probe(k: int, passing: int, live: int) -> int | None:
    """How many graph neighbours to fetch so that about ``k`` of them pass the filters (4x the expected need),
    or None when the filters are so selective that an exact product over the few passing rows is the better
    search (and keeps recall 1.0 there)."""
    wanted = max(ANN_MIN_PROBE, math.ceil(4 * k * live / max(passing, 1)))
    return wanted if wanted <= max(ANN_MAX_PROBE, 4 * k) else None


def search_rows(matrix: np.ndarray, mask: np.ndarray, vector: np.ndarray, k: int, ann: _Ann | None,
                live: int) -> list[tuple[int, float]]:
    """The best ``k`` rows among ``mask``: from the graph's candidates when there is one, re-scored exactly;
    exact ``score`` when there is none, when the filters are too selective for it, or when too few of its
    candidates pass them."""
    query = np.ascontiguousarray(vector, dtype=np.float32).ravel()
    passing = int(np.count_nonzero(mask))
    probe = _probe(k, passing, live) if ann is not None and passing > k > 0 else None
    if ann is not None and probe is not None:
        keys = ann.candidates(query, probe)
        # Rows added after this search's snapshot are not in its mask: drop them, and every row a filter rejects.
        keys = keys[keys < len(mask)]
        keys = keys[mask[keys]]
        if len(keys) >= k:
            pool = matrix[keys] @ query
            top = np.argsort(-pool, kind="stable")[:k]
            return [(int(keys[i]), float(pool[i])) for i in top]
    return score(matrix, mask, query, k)


class EmbeddedIndex:
    """``path`` is the SQLite file (``:memory:`` for a throwaway index); templates with at least
    ``ann_threshold`` live rows get an HNSW graph (None: always exact)."""

    def __init__(self, path: Path | str = ":memory:", ann_threshold: int | None = ANN_THRESHOLD) -> None:
        self._ann_threshold = ann_threshold
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._tables: dict[str, tuple[int, _Table]] = {}

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def _version(self, template_id: str) -> int:
        row = self._db.execute("SELECT version FROM template_versions WHERE template_id=?", (template_id,)).fetchone()
        return int(row[0]) if row else 0

    def _bump(self, template_id: str) -> int:
        self._db.execute(
            "INSERT INTO template_versions VALUES (?, 1) ON CONFLICT(template_id) DO UPDATE SET version=version+1",
            (template_id,))
        return self._version(template_id)

    def _load(self, template_id: str) -> _Table:
        table = _Table(ann_threshold=self._ann_threshold)
        cur = self._db.execute(
            "SELECT source_id, chunk, vector, text, filters, payload FROM vectors WHERE template_id=?"
            " ORDER BY source_id, chunk", (template_id,))
        for source_id, chunk, blob, text, filters, payload in cur:
            table.add(IndexItem(source_id, chunk, np.frombuffer(blob, dtype=np.float32), text, json.loads(filters),
                                json.loads(payload)))
        return table

    def _table(self, template_id: str) -> _Table:
        version = self._version(template_id)
        cached = self._tables.get(template_id)
        if cached is None or cached[0] != version:
            cached = (version, self._load(template_id))
            self._tables[template_id] = cached
        return cached[1]

    # -- VectorIndex -------------------------------------------------------------------------------------------

    def upsert(self, template_id: str, items: Sequence[IndexItem]) -> None:
        if not items:
            return
        source_ids = sorted({it.source_id for it in items})
        with self._lock:
            table = self._table(template_id)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM vectors WHERE template_id=? AND source_id=?",
                                     [(template_id, s) for s in source_ids])
                self._db.executemany(
                    "INSERT INTO vectors VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(template_id, it.source_id, it.chunk, np.asarray(it.vector, dtype=np.float32).tobytes(),
                      it.text, json.dumps(it.filters), json.dumps(it.payload)) for it in items])
                version = self._bump(template_id)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            for source_id in source_ids:
                table.remove(source_id)
            for it in items:
                table.add(it)
            self._tables[template_id] = (version, table)

    def delete(self, template_id: str, source_ids: Sequence[str] | None = None) -> int:
        with self._lock:
            # Deleting some sources patches a current cached table (and its graph) like an upsert does: reloading
            # a large template would rebuild its HNSW graph from scratch. One not cached (or stale) loads later.
            cached = self._tables.get(template_id)
            current = cached is not None and cached[0] == self._version(template_id)
            table = cached[1] if cached is not None and current and source_ids is not None else None
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if source_ids is None:
                    removed = self._db.execute("DELETE FROM vectors WHERE template_id=?", (template_id,)).rowcount
                    self._db.execute("DELETE FROM template_versions WHERE template_id=?", (template_id,))
                else:
                    removed = sum(self._db.execute(
                        "DELETE FROM vectors WHERE template_id=? AND source_id=?", (template_id, s)).rowcount
                        for s in source_ids)
                    version = self._bump(template_id)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if table is None:
                self._tables.pop(template_id, None)
            else:
                for source_id in source_ids or ():
                    table.remove(source_id)
                self._tables[template_id] = (version, table)
            return int(removed)

    def search(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> list[Hit]:
        with self._lock:
            table = self._table(template_id)
            snap = table.snapshot(filters)
        # Filtered and searched outside the lock: numpy releases the GIL in the product, so concurrent exact
        # searches use every core. usearch's Python binding keeps the GIL during a graph walk (no release around
        # search in its lib.cpp), so walks from different threads take turns; each is ~1 ms at 100,000 rows.
        found = search_rows(snap.matrix, snap.mask(filters), vector, k, snap.ann, int(np.count_nonzero(snap.alive)))
        return [Hit(table.keys[row][0], table.keys[row][1], s, table.texts[row], table.payloads[row])
                for row, s in found]

    def record_count(self, template_id: str) -> int:
        with self._lock:
            return self._table(template_id).sources()

    def count(self, template_id: str) -> int:
        with self._lock:
            table = self._table(template_id)
            return int(table.candidates(FilterSet()).sum())

    def close(self) -> None:
        self._db.close()
