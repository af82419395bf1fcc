from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.providers.embeddings import EmbeddingProvider, offline_provider
from reelforge.search.embedded import EmbeddedIndex
from reelforge.search.engine import EmbeddingEngine

LABELLED = Path(__file__).resolve().parents[1] / "data" / "embeddings_labelled.json"


@pytest.fixture(scope="session")
def provider() -> EmbeddingProvider:
    return offline_provider("e5")


@pytest.fixture
def engine(provider: EmbeddingProvider, tmp_path: Path) -> EmbeddingEngine:
    return EmbeddingEngine(provider, EmbeddedIndex(tmp_path / "vectors.sqlite"), tmp_path / "catalog.sqlite")
