"""The vector index interface: the embedded default (``embedded.py``) and PostgreSQL/pgvector (``pgvector.py``).

An index stores, per template, one vector per (source id, chunk) with the record's filterable values and its
retrievable payload. Every search applies the filters exactly: a hit that violates one is a bug, not a ranking
choice. Templates are isolated by id; ownership is checked above the index (``engine.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from reelforge.search.fields import FilterSet


@dataclass
class IndexItem:
    source_id: str
    chunk: int
    vector: np.ndarray
    text: str
    filters: dict[str, Any]
    payload: dict[str, Any]


@dataclass
class Hit:
    source_id: str
    chunk: int
    score: float
    text: str
    payload: dict[str, Any]


class VectorIndex(Protocol):
    def upsert(self, template_id: str, items: Sequence[IndexItem]) -> None:
        """Replace every vector of each source id present in ``items`` by the given ones."""
        ...

    def delete(self, template_id: str, source_ids: Sequence[str] | None = None) -> int:
        """Remove these source ids (all of the template's when None) at once; the number of vectors removed."""
        ...

    def search(self, template_id: str, vector: np.ndarray, k: int, filters: FilterSet) -> list[Hit]:
        """Best ``k`` vectors by cosine similarity among those matching every filter."""
        ...

    def count(self, template_id: str) -> int:
        """Vectors stored (a long document has several)."""
        ...

    def record_count(self, template_id: str) -> int:
        """Distinct source ids stored."""
        ...

