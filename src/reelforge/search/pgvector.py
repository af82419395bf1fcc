"""The PostgreSQL vector index: pgvector in the deployment's own database (``embeddings_index = pgvector``, the
default when ``database_url`` is PostgreSQL).

One row per (template, source id, chunk). Filters are exact SQL predicates on two JSONB maps written at insert
time by the same Python rules the embedded index uses (``fields.normalise`` for equality keys, ``fields.as_number``
for ranges), so both indexes answer a filter identically: equality and lists compare ``keys->>path``, ranges
``(nums->>path)::float8``. Needs the ``vector`` extension (docs/storage.md says what an operator installs).

Approximate search mirrors the embedded index's HNSW path. The ``embedding`` column is untyped (a deployment may
switch models), and pgvector indexes only a fixed dimension, so each dimension in use gets a partial expression
index ``USING hnsw ((embedding::vector(d)) vector_cosine_ops) WHERE vector_dims(embedding) = d``, created
concurrently the first time this process writes or searches that dimension. A template with at least
``ann_threshold`` vectors is searched through it: the query orders by the same expression (so the planner can use
the index) with ``hnsw.iterative_scan = relaxed_order``, since the template and the filters are predicates on a
graph shared by every template and must not starve the walk; the rows found are re-sorted by exact distance.
The filters stay plain WHERE predicates, so a hit can never violate one. When the walk returns fewer than ``k``
rows (a selective filter exhausting ``hnsw.max_scan_tuples``) the exact query answers instead, as does every
template below the threshold: ``ORDER BY embedding <=> q`` over the untyped column, which no index matches.
Iterative scans need pgvector 0.8; with an older one every search is exact.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from reelforge.db.database import make_engine
from reelforge.search.embedded import ANN_THRESHOLD
from reelforge.search.fields import Condition, FilterSet, as_number, normalise
from reelforge.search.index import Hit, IndexItem

_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS embedding_vectors (
  template_id TEXT NOT NULL, source_id TEXT NOT NULL, chunk INTEGER NOT NULL,
  embedding vector NOT NULL, text TEXT NOT NULL, keys JSONB NOT NULL, nums JSONB NOT NULL, payload JSONB NOT NULL,
  PRIMARY KEY (template_id, source_id, chunk));
"""
_SCHEMA_LOCK, _INDEX_LOCK = 727451, 727452
# pgvector's HNSW indexes the ``vector`` type up to 2,000 dimensions; larger embeddings stay exact.
_HNSW_MAX_DIM = 2000
# Candidates the graph walk keeps (pgvector's default is 40; at least 2 × k). 100 measured recall@10 0.938 on the
# 100,000-row bench, 250 is the embedded index's minimum probe (docs/performance.md).
_EF_SEARCH = 250
# Rows an iterative walk may visit before it gives up (pgvector's default): past it a filter is selective
# enough that the exact query over the few passing rows is the cheaper answer, and it takes over.
_MAX_SCAN_TUPLES = 20_000
# How long a template seen at or above the threshold is taken to still be there without counting again. A stale
# answer only picks the path: a template emptied meanwhile gets fewer than k rows from the walk and the exact query.
_LARGE_TTL_S = 30.0


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def _maps(filters: dict[str, Any]) -> tuple[str, str]:
    keys = {p: normalise(v) for p, v in filters.items() if v is not None}
    nums = {p: n for p, v in filters.items() if (n := as_number(v)) is not None}
    return json.dumps(keys), json.dumps(nums)


def _predicate(cond: Condition, n: int, params: dict[str, Any]) -> str:
    params[f"p{n}"] = cond.path
    if cond.ranged:
        parts = [f"nums->>:p{n} IS NOT NULL"]
        for bound, op in (("minimum", ">="), ("maximum", "<=")):
            value = getattr(cond, bound)
            if value is not None:
                params[f"{bound}{n}"] = value
                parts.append(f"(nums->>:p{n})::float8 {op} :{bound}{n}")
        return " AND ".join(parts)
    params[f"eq{n}"] = sorted({normalise(v) for v in cond.equals})
    return f"keys->>:p{n} = ANY(:eq{n})"


def _index_name(dim: int) -> str:
    return f"embedding_vectors_hnsw_{dim}"


def _query(template_id: str, vector: np.ndarray, k: int, filters: FilterSet, ann: bool) -> tuple[str, dict[str, Any]]:
    """The search statement. The dimension is inlined (an int, not user text) because the planner matches a
    partial index's predicate and expression only against constants."""
    dim = int(np.asarray(vector).size)
    params: dict[str, Any] = {"t": template_id, "q": _literal(vector), "k": k}
    where = " AND ".join([f"template_id = :t AND vector_dims(embedding) = {dim}",
                          *(_predicate(c, n, params) for n, c in enumerate(filters.conditions))])
    column = f"(embedding::vector({dim}))" if ann else "embedding"
    distance = f"{column} <=> CAST(:q AS vector({dim}))"
    return (f"SELECT source_id, chunk, 1 - ({distance}) AS score, text, payload FROM embedding_vectors"
            f" WHERE {where} ORDER BY {distance} LIMIT :k"), params


class PgVectorIndex:
    def __init__(self, url: str | Engine, ann_threshold: int | None = ANN_THRESHOLD) -> None:
        self.engine = url if isinstance(url, Engine) else make_engine(url)
        self.ann_threshold = ann_threshold
        self._indexed: set[int] = set()
        self._large: dict[str, float] = {}  # template id -> monotonic time it was counted at the threshold
        self._index_lock = threading.Lock()
        with self.engine.begin() as conn:
            # Two processes starting at once must not race on CREATE EXTENSION / TABLE.
            conn.execute(text(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})"))
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(text(statement))
            version = conn.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar_one()
        # Iterative index scans (what keeps a filtered walk from starving) arrived in pgvector 0.8.0; an older
        # pgvector rejects their settings, so it keeps exact search.
        if tuple(int(p) for p in str(version).split(".")[:2]) < (0, 8):
            self.ann_threshold = None

    def ensure_ann_index(self, dim: int) -> bool:
        """Create (once per process, idempotently across processes) the HNSW index of one dimension; whether
        that dimension can have one. CONCURRENTLY keeps writers of other templates running during the build;
        advisory lock makes a second process wait for the first build instead of colliding on the index name, and
        an invalid index (a build that was interrupted) is dropped and built again. The lock is polled, not
        waited on: a blocked ``pg_advisory_lock`` statement holds a snapshot, which the concurrent build waits
        for in turn (a deadlock PostgreSQL would break by failing one of them). Call it outside a transaction
        of this process's for the same reason."""
        if self.ann_threshold is None or not 0 < dim <= _HNSW_MAX_DIM:
            return False
        if dim in self._indexed:
            return True
        name = _index_name(dim)
        with self._index_lock, self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not conn.execute(text(f"SELECT pg_try_advisory_lock({_INDEX_LOCK})")).scalar_one():
                time.sleep(0.2)
            try:
                valid = self._index_valid(conn, name)
                if valid is False:
                    conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
                if not valid:
                    conn.execute(text(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON embedding_vectors"
                        f" USING hnsw ((embedding::vector({dim})) vector_cosine_ops)"
                        f" WHERE vector_dims(embedding) = {dim}"))
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({_INDEX_LOCK})"))
            self._indexed.add(dim)
        return True

    @staticmethod
    def _index_valid(conn: Connection, name: str) -> bool | None:
        """True / False for a valid / invalid index of that name, None when there is none."""
        row = conn.execute(text("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                                " WHERE c.relname = :n AND pg_table_is_visible(c.oid)"), {"n": name}).first()
        return None if row is None else bool(row[0])

    def upsert(self, template_id: str, items: Sequence[IndexItem]) -> None:
        if not items:
            return
        for dim in sorted({int(np.asarray(it.vector).size) for it in items}):
            self.ensure_ann_index(dim)
        rows = []
        for it in items:
            keys, nums = _maps(it.filters)
            rows.append({"t": template_id, "s": it.source_id, "c": it.chunk, "e": _literal(it.vector), "x": it.text,
                         "k": keys, "n": nums, "p": json.dumps(it.payload)})
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM embedding_vectors WHERE template_id = :t AND source_id = ANY(:s)"),
                         {"t": template_id, "s": sorted({it.source_id for it in items})})
            conn.execute(text("INSERT INTO embedding_vectors VALUES (:t, :s, :c, CAST(:e AS vector), :x,"
                              " CAST(:k AS jsonb), CAST(:n AS jsonb), CAST(:p AS jsonb))"), rows)

    def delete(self, template_id: str, source_ids: Sequence[str] | None = None) -> int:
        self._large.pop(template_id, None)
        with self.engine.begin() as conn:
            if source_ids is None:
                result = conn.execute(text("DELETE FROM embedding_vectors WHERE template_id = :t"), {"t": template_id})
            else:
                result = conn.execute(text("DELETE FROM embedding_vectors WHERE template_id = :t"
                                           " AND source_id = ANY(:s)"), {"t": template_id, "s": list(source_ids)})
            return int(result.rowcount)

    def _use_ann(self, conn: Connection, template_id: str, dim: int) -> bool:
        """Whether the template reaches the threshold (its dimension's index was ensured before ``conn``'s
        transaction began): a count that stops there (a range scan of the primary key), so a large template
        costs ``ann_threshold`` index entries, not all its rows."""
        if self.ann_threshold is None or dim not in self._indexed:
            return False
        if time.monotonic() - self._large.get(template_id, -_LARGE_TTL_S) < _LARGE_TTL_S:
            return True
        reached = conn.execute(text("SELECT count(*) FROM (SELECT 1 FROM embedding_vectors WHERE template_id = :t"
                                    " LIMIT :n) AS s"), {"t": template_id, "n": self.ann_threshold}).scalar_one()
        if int(reached) < self.ann_threshold:
            return False
        self._large[template_id] = time.monotonic()
        return True

    @contextmanager
    def _statement(self, template_id: str, vector: np.ndarray, k: int,
                   filters: FilterSet) -> Iterator[tuple[Connection, bool, str, dict[str, Any]]]:
        """A transaction with the path chosen and tuned: (connection, HNSW path?, statement, parameters)."""
        dim = int(np.asarray(vector).size)
        self.ensure_ann_index(dim)
        with self.engine.begin() as conn:
            ann = self._use_ann(conn, template_id, dim)
            if ann:
                self._tune(conn, k)
            yield (conn, ann, *_query(template_id, vector, k, filters, ann))

    def plan(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> str:
        """EXPLAIN of the statement ``search`` runs first (tests and operators read which index it uses)."""
        with self._statement(template_id, vector, k, filters) as (conn, _, sql, params):
            return "\n".join(str(r[0]) for r in conn.execute(text("EXPLAIN " + sql), params))

    @staticmethod
    def _tune(conn: Connection, k: int) -> None:
        """Transaction-local settings of the HNSW path. The template size was decided above, so the planner's
        row estimates (a template's share of a shared table, JSONB predicates it cannot see into) must not
        send a large template back to a sort of all its rows: with sorting off, the only plan left that yields
        rows in distance order is the HNSW index scan."""
        conn.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                          " set_config('hnsw.ef_search', :ef, true), set_config('hnsw.max_scan_tuples', :m, true),"
                          " set_config('enable_sort', 'off', true)"),
                     {"ef": str(min(1000, max(_EF_SEARCH, 2 * k))), "m": str(_MAX_SCAN_TUPLES)})

    def search(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> list[Hit]:
        if k <= 0:
            return []
        with self._statement(template_id, vector, k, filters) as (conn, ann, sql, params):
            rows = conn.execute(text(sql), params).all()
            if ann and len(rows) < k:
                sql, params = _query(template_id, vector, k, filters, False)
                rows = conn.execute(text(sql), params).all()
        # relaxed_order may yield the walk's rows slightly out of order: sort the k found by their exact score.
        hits = [Hit(r[0], int(r[1]), float(r[2]), r[3], dict(r[4])) for r in rows]
        return sorted(hits, key=lambda h: (-h.score, h.source_id, h.chunk))

    def count(self, template_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM embedding_vectors WHERE template_id = :t"),
                                    {"t": template_id}).scalar_one())

    def record_count(self, template_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(DISTINCT source_id) FROM embedding_vectors"
                                         " WHERE template_id = :t"), {"t": template_id}).scalar_one())
