"""The process's embeddings engine, built once from the settings: the configured model, the configured vector
index, and the templates catalogue in our database."""

from __future__ import annotations

import threading

from reelforge.db.database import Database
from reelforge.providers.embeddings import provider_from_env
from reelforge.search.embedded import EmbeddedIndex
from reelforge.search.engine import EmbeddingEngine
from reelforge.search.index import VectorIndex
from reelforge.settings import Settings

_engines: dict[str, EmbeddingEngine] = {}
_lock = threading.Lock()


def open_index(settings: Settings) -> VectorIndex:
    url = settings.resolved_database_url
    mode = settings.embeddings_index
    if mode == "pgvector" or (mode == "auto" and url.startswith("postgresql")):
        from reelforge.search.pgvector import PgVectorIndex

        return PgVectorIndex(url, settings.embeddings_ann_threshold)
    return EmbeddedIndex(settings.data_dir.resolve() / "embeddings.sqlite", settings.embeddings_ann_threshold)


def single_threaded_blas() -> None:
    """Searches run concurrently, one per request thread, each a matrix-vector product. A BLAS that also spreads
    every product over all cores oversubscribes them: measured on 2 shared cores, 100,000 × 384 at concurrency 8,
    p50 1.69 s with 2 BLAS threads against 0.44 s with 1 (docs/performance.md). Process-wide, once."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def engine_for(settings: Settings, db: Database) -> EmbeddingEngine:
    """One engine per database (the index caches each template's vectors in memory: share it)."""
    key = settings.resolved_database_url
    with _lock:
        if key not in _engines:
            single_threaded_blas()
            _engines[key] = EmbeddingEngine(provider_from_env(), open_index(settings), db)
        return _engines[key]
