"""The embedded vector index: SQLite for durability, exact numpy search in memory. No server.

Each template's vectors live in one float32 matrix; a search scores the rows that pass the filters (a boolean mask
built from per-field numpy columns) with one matrix-vector product and keeps the best ``k``. Exact search has no
index to tune, recall 1.0 by construction, and a filter can never be traded against recall; its cost is linear in
the template's size (figures and the limits seen so far in docs/performance.md). Writes go to SQLite first (so a
restart reloads them) and then patch the in-memory table: replaced and deleted rows are tombstoned at once and
compacted on the next search.

Several processes may share one database file: each write bumps the template's version, and a process whose cached
version is stale reloads the template before searching.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.search.fields import Condition, FilterSet, as_number, normalise
from reelforge.search.index import Hit, IndexItem

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
  template_id TEXT NOT NULL, source_id TEXT NOT NULL, chunk INTEGER NOT NULL,
  vector BLOB NOT NULL, text TEXT NOT NULL, filters TEXT NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (template_id, source_id, chunk));
CREATE TABLE IF NOT EXISTS template_versions (template_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""


class _Table:
    """One template in memory. Rows are append-only; ``alive`` marks the current ones."""

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim
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

    def _mask(self, cond: Condition) -> np.ndarray:
        nums, keyed, codes = self._column(cond.path)
        if cond.ranged:
            with np.errstate(invalid="ignore"):
                lo = nums >= cond.minimum if cond.minimum is not None else ~np.isnan(nums)
                hi = nums <= cond.maximum if cond.maximum is not None else ~np.isnan(nums)
            return np.asarray(lo & hi, dtype=bool)
        wanted = [codes[k] for k in {normalise(v) for v in cond.equals} if k in codes]
        return np.isin(keyed, wanted) if wanted else np.zeros(len(keyed), dtype=bool)

    def candidates(self, filters: FilterSet) -> np.ndarray:
        self._compact()
        mask = self.alive.copy()
        for cond in filters.conditions:
            mask &= self._mask(cond)
        return mask

    def snapshot(self, filters: FilterSet) -> tuple[np.ndarray, np.ndarray]:
        """The matrix and the mask of rows to score, consistent with each other. Rows are append-only and a
        compaction builds a new matrix, so both stay valid after the caller releases the index's lock."""
        mask = self.candidates(filters)
        return self.matrix, mask

    def sources(self) -> int:
        return len(self.rows_of)


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


class EmbeddedIndex:
    """``path`` is the SQLite file (``:memory:`` for a throwaway index)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
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
        table = _Table()
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
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if source_ids is None:
                    removed = self._db.execute("DELETE FROM vectors WHERE template_id=?", (template_id,)).rowcount
                    self._db.execute("DELETE FROM template_versions WHERE template_id=?", (template_id,))
                else:
                    removed = sum(self._db.execute(
                        "DELETE FROM vectors WHERE template_id=? AND source_id=?", (template_id, s)).rowcount
                        for s in source_ids)
                    self._bump(template_id)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._tables.pop(template_id, None)
            return int(removed)

    def search(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> list[Hit]:
        with self._lock:
            table = self._table(template_id)
            matrix, mask = table.snapshot(filters)
        # Scored outside the lock: numpy releases the GIL in the product, so concurrent searches use every core
        # instead of queueing behind one another.
        found = score(matrix, mask, vector, k)
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
