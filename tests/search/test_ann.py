"""The embedded index's HNSW path (usearch), with the threshold lowered so a few thousand vectors use it.

Vectors are normalised mixes of two of 60 random directions, like bench/embeddings.py's mixes of real
embeddings: clustered, with many near ties, which is harder for a graph than uniform noise. Every answer is
compared with the same rows in an exact index (no graph)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelforge.search import embedded
from reelforge.search.embedded import EmbeddedIndex
from reelforge.search.fields import Condition, FilterSet
from reelforge.search.index import IndexItem

N, DIM, THRESHOLD = 4000, 64, 1000
CITIES = ["austin", "dallas", "houston", "el paso"]


def _vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    base = rng.normal(size=(60, DIM)).astype(np.float32)
    a, b = rng.integers(0, 60, n), rng.integers(0, 60, n)
    mix = rng.uniform(0.2, 0.8, (n, 1)).astype(np.float32)
    out = base[a] * mix + base[b] * (1 - mix)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _items(vectors: np.ndarray, offset: int = 0) -> list[IndexItem]:
    return [IndexItem(f"s{i + offset}", 0, v, f"text {i + offset}", _filters(i + offset), {"n": i + offset})
            for i, v in enumerate(vectors)]


def _filters(i: int) -> dict[str, Any]:
    return {"city": CITIES[i % 4], "price": 1000 + (i * 37) % 2000, "code": f"c{i % 200}"}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return _vectors(rng, N), _vectors(rng, 60)


@pytest.fixture
def pair(data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> tuple[EmbeddedIndex, EmbeddedIndex]:
    """(graph index, exact index) holding the same rows."""
    ann, exact = EmbeddedIndex(tmp_path / "ann.sqlite", ann_threshold=THRESHOLD), EmbeddedIndex(ann_threshold=None)
    items = _items(data[0])
    for start in range(0, N, 500):  # batches: the graph is built at the threshold, then grows with the writes
        ann.upsert("t", items[start:start + 500])
        exact.upsert("t", items[start:start + 500])
    assert ann._table("t").ann is not None and exact._table("t").ann is None
    return ann, exact


FILTERS = {
    "none": FilterSet(),
    "city (1/4 pass)": FilterSet([Condition("city", equals=("Dallas",))]),
    "city + price range": FilterSet([Condition("city", equals=("austin", "houston")),
                                     Condition("price", minimum=1500, maximum=2600, ranged=True)]),
    "selective (1/200 pass)": FilterSet([Condition("code", equals=("c7",))]),
}


def _top(index: EmbeddedIndex, query: np.ndarray, filters: FilterSet, k: int = 10) -> list[str]:
    return [h.source_id for h in index.search("t", query, k, filters)]


@pytest.mark.parametrize("name", list(FILTERS))
def test_graph_matches_exact_top10_and_never_violates_a_filter(
        pair: tuple[EmbeddedIndex, EmbeddedIndex], data: tuple[np.ndarray, np.ndarray], name: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ann, exact = pair
    filters = FILTERS[name]
    exact_calls: list[int] = []
    real_score = embedded.score

    def counting_score(*args: Any) -> list[tuple[int, float]]:
        exact_calls.append(1)
        return real_score(*args)

    monkeypatch.setattr(embedded, "score", counting_score)
    hits = total = 0
    for query in data[1]:
        got = ann.search("t", query, 10, filters)
        assert all(filters.matches(_filters(int(h.source_id[1:]))) for h in got)
        want = _top(exact, query, filters)
        assert len(got) == len(want) == 10
        hits += len({h.source_id for h in got} & set(want))
        total += len(want)
    # The graph answered (or, for the selective filter, the exact product did), not a silent fallback.
    graph_searches = len(data[1]) * 2 - len(exact_calls)  # the exact index scores every query too
    assert graph_searches == (0 if name.startswith("selective") else len(data[1]))
    assert hits / total >= 0.95, f"{name}: recall@10 {hits / total:.3f}"


def test_deleted_and_replaced_rows_leave_graph_results_at_once(
        pair: tuple[EmbeddedIndex, EmbeddedIndex], data: tuple[np.ndarray, np.ndarray]) -> None:
    ann, exact = pair
    queries = data[1][:20]
    doomed = sorted({s for q in queries for s in _top(ann, q, FilterSet())})
    assert ann.delete("t", doomed) == len(doomed)
    exact.delete("t", doomed)
    moved = [s for s in _top(ann, queries[0], FilterSet(), 20)][:5]
    # Replacing a source's vector: its old row must not come back under its old neighbours.
    far = -queries[0]
    ann.upsert("t", [IndexItem(s, 0, far, "moved", _filters(int(s[1:])), {}) for s in moved])
    exact.upsert("t", [IndexItem(s, 0, far, "moved", _filters(int(s[1:])), {}) for s in moved])
    assert ann._table("t").ann is not None  # patched in place, not dropped and rebuilt
    hits = 0
    for query in queries:
        got = _top(ann, query, FilterSet())
        assert not set(got) & set(doomed)
        hits += len(set(got) & set(_top(exact, query, FilterSet())))
    assert set(moved).isdisjoint(_top(ann, queries[0], FilterSet()))
    assert hits / (10 * len(queries)) >= 0.95
    assert ann.count("t") == exact.count("t") == N - len(doomed)


def test_reload_rebuilds_the_graph_from_sqlite(
        pair: tuple[EmbeddedIndex, EmbeddedIndex], data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    ann, exact = pair
    ann.delete("t", ["s0", "s1"])
    exact.delete("t", ["s0", "s1"])
    reopened = EmbeddedIndex(tmp_path / "ann.sqlite", ann_threshold=THRESHOLD)
    hits = sum(len(set(_top(reopened, q, FilterSet())) & set(_top(exact, q, FilterSet()))) for q in data[1])
    assert reopened._table("t").ann is not None
    assert hits / (10 * len(data[1])) >= 0.95


def test_searches_run_while_rows_are_written(
        pair: tuple[EmbeddedIndex, EmbeddedIndex], data: tuple[np.ndarray, np.ndarray]) -> None:
    """Writers grow the graph while readers walk it (usearch cannot grow under a search): no crash, no filter
    violated, always k results."""
    ann, _ = pair
    errors: list[BaseException] = []
    filters = FILTERS["city (1/4 pass)"]

    def reader() -> None:
        try:
            for i in range(150):
                got = ann.search("t", data[1][i % 60], 10, filters)
                assert len(got) == 10 and all(filters.matches(_filters(int(h.source_id[1:]))) for h in got)
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    extra = _vectors(np.random.default_rng(3), 1000)
    for start in range(0, 1000, 100):
        ann.upsert("t", _items(extra[start:start + 100], N + start))
    for t in threads:
        t.join()
    assert not errors
    assert ann.count("t") == N + 1000


# PostgreSQL mode: pgvector's HNSW index on the same rows, with the same threshold lowered.


@pytest.fixture
def pg_pair(data: tuple[np.ndarray, np.ndarray], postgres_url: str) -> Iterator[tuple[Any, EmbeddedIndex]]:
    """(PgVectorIndex with the HNSW path from THRESHOLD rows, exact embedded index) holding the same rows."""
    from reelforge.search.pgvector import PgVectorIndex

    pg, exact = PgVectorIndex(postgres_url, ann_threshold=THRESHOLD), EmbeddedIndex(ann_threshold=None)
    pg.delete("t")
    items = _items(data[0])
    for start in range(0, N, 500):  # the index exists before the rows: built at the dimension's first write
        pg.upsert("t", items[start:start + 500])
        exact.upsert("t", items[start:start + 500])
    yield pg, exact
    pg.delete("t")
    pg.engine.dispose()


@pytest.mark.parametrize("name", list(FILTERS))
def test_pgvector_hnsw_plan_recall_and_filters(
        pg_pair: tuple[Any, EmbeddedIndex], data: tuple[np.ndarray, np.ndarray], name: str) -> None:
    pg, exact = pg_pair
    filters = FILTERS[name]
    plan = pg.plan("t", data[1][0], 10, filters)
    assert f"Index Scan using embedding_vectors_hnsw_{DIM}" in plan, plan
    hits = total = 0
    for query in data[1]:
        got = pg.search("t", query, 10, filters)
        assert all(filters.matches(_filters(int(h.source_id[1:]))) for h in got)
        assert [h.score for h in got] == sorted((h.score for h in got), reverse=True)
        want = _top(exact, query, filters)
        assert len(got) == len(want) == 10
        hits += len({h.source_id for h in got} & set(want))
        total += len(want)
    assert hits / total >= 0.95, f"{name}: recall@10 {hits / total:.3f}"


def test_pgvector_small_template_stays_exact(pg_pair: tuple[Any, EmbeddedIndex],
                                             data: tuple[np.ndarray, np.ndarray]) -> None:
    pg, _ = pg_pair
    pg.upsert("small", _items(data[0][:50]))
    try:
        plan = pg.plan("small", data[1][0], 10, FilterSet())
        assert "hnsw" not in plan, plan
        got = pg.search("small", data[1][0], 10, FilterSet())
        best = np.argsort(-(data[0][:50] @ data[1][0]))[:10]
        assert [h.source_id for h in got] == [f"s{i}" for i in best]
    finally:
        pg.delete("small")


def test_pgvector_two_processes_create_a_dimension_index_once(postgres_url: str) -> None:
    """Two processes (here: two indexes with their own connections) meeting a new dimension at once: both
    proceed (neither fails on the name nor deadlocks the other's concurrent build) and one valid index results."""
    from sqlalchemy import text

    from reelforge.search.pgvector import PgVectorIndex

    dim = 24
    first, second = PgVectorIndex(postgres_url, THRESHOLD), PgVectorIndex(postgres_url, THRESHOLD)
    with first.engine.begin() as conn:
        conn.execute(text(f"DROP INDEX IF EXISTS embedding_vectors_hnsw_{dim}"))
    results: list[bool] = []
    threads = [threading.Thread(target=lambda ix=ix: results.append(ix.ensure_ann_index(dim)))
               for ix in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True, True]
    with first.engine.connect() as conn:
        valid = conn.execute(text("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                                  " WHERE c.relname = :n"), {"n": f"embedding_vectors_hnsw_{dim}"}).scalars().all()
    assert valid == [True]
    for ix in (first, second):
        ix.engine.dispose()
