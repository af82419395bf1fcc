"""The PostgreSQL vector index: pgvector in the deployment's own database (``embeddings_index = pgvector``, the
default when ``database_url`` is PostgreSQL).

One row per (template, source id, chunk). Filters are exact SQL predicates on two JSONB maps written at insert
time by the same Python rules the embedded index uses (``fields.normalise`` for equality keys, ``fields.as_number``
for ranges), so both indexes answer a filter identically: equality and lists compare ``keys->>path``, ranges
``(nums->>path)::float8``. The search is exact (``ORDER BY embedding <=> query``, no ANN index), so a filter never
costs recall; an HNSW index is the step to take if a template outgrows a sequential scan. Needs the ``vector``
extension (docs/storage.md says what an operator installs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from reelforge.db.database import make_engine
from reelforge.search.fields import Condition, FilterSet, as_number, normalise
from reelforge.search.index import Hit, IndexItem

_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS embedding_vectors (
  template_id TEXT NOT NULL, source_id TEXT NOT NULL, chunk INTEGER NOT NULL,
  embedding vector NOT NULL, text TEXT NOT NULL, keys JSONB NOT NULL, nums JSONB NOT NULL, payload JSONB NOT NULL,
  PRIMARY KEY (template_id, source_id, chunk));
"""


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


class PgVectorIndex:
    def __init__(self, url: str | Engine) -> None:
        self.engine = url if isinstance(url, Engine) else make_engine(url)
        with self.engine.begin() as conn:
            # Two processes starting at once must not race on CREATE EXTENSION / TABLE.
            conn.execute(text("SELECT pg_advisory_xact_lock(727451)"))
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(text(statement))

    def upsert(self, template_id: str, items: Sequence[IndexItem]) -> None:
        if not items:
            return
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
        with self.engine.begin() as conn:
            if source_ids is None:
                result = conn.execute(text("DELETE FROM embedding_vectors WHERE template_id = :t"), {"t": template_id})
            else:
                result = conn.execute(text("DELETE FROM embedding_vectors WHERE template_id = :t"
                                           " AND source_id = ANY(:s)"), {"t": template_id, "s": list(source_ids)})
            return int(result.rowcount)

    def search(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> list[Hit]:
        if k <= 0:
            return []
        params: dict[str, Any] = {"t": template_id, "q": _literal(vector), "k": k}
        where = " AND ".join(["template_id = :t", *(_predicate(c, n, params)
                                                    for n, c in enumerate(filters.conditions))])
        sql = (f"SELECT source_id, chunk, 1 - (embedding <=> CAST(:q AS vector)) AS score, text, payload"
               f" FROM embedding_vectors WHERE {where} ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k")
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        return [Hit(r[0], int(r[1]), float(r[2]), r[3], dict(r[4])) for r in rows]

    def count(self, template_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM embedding_vectors WHERE template_id = :t"),
                                    {"t": template_id}).scalar_one())

    def record_count(self, template_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(DISTINCT source_id) FROM embedding_vectors"
                                         " WHERE template_id = :t"), {"t": template_id}).scalar_one())
