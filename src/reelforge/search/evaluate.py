"""Retrieval quality on a labelled set (tests/data/embeddings_labelled.json): recall@k, MRR, filter violations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.search.engine import EmbeddingEngine
from reelforge.search.fields import build_filters, parse_field_options, prepare_record


@dataclass
class Quality:
    ranks: list[int] = field(default_factory=list)  # 1-based rank of the first relevant hit; 0 = not returned
    violations: int = 0
    leaked_fields: int = 0
    by_lang: dict[str, list[int]] = field(default_factory=dict)

    def recall(self, k: int, ranks: list[int] | None = None) -> float:
        ranks = self.ranks if ranks is None else ranks
        return sum(1 for r in ranks if 0 < r <= k) / max(len(ranks), 1)

    def mrr(self, ranks: list[int] | None = None) -> float:
        ranks = self.ranks if ranks is None else ranks
        return sum(1 / r for r in ranks if r > 0) / max(len(ranks), 1)


def load_labelled(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def ingest_labelled(engine: EmbeddingEngine, data: dict[str, Any], owner: str) -> dict[str, str]:
    """One template per labelled template; returns name -> template id."""
    ids = {}
    for name, spec in data["templates"].items():
        tpl = engine.create_template(owner, name, spec["field_options"])
        engine.add_records(owner, tpl.template_id, spec["records"])
        ids[name] = tpl.template_id
    return ids


def _hidden_paths(field_options: dict[str, Any]) -> list[str]:
    return [p for p, o in field_options.items() if o.get("retrievable") is False]


def _has_path(obj: Any, path: str) -> bool:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return False
        obj = obj[part]
    return True


def evaluate(engine: EmbeddingEngine, data: dict[str, Any], template_ids: dict[str, str], owner: str,
             rerank: bool, limit: int = 10) -> Quality:
    """Runs every labelled query with its filters; checks every returned record against the filters (using the
    original records, not the index's copy) and that no non-retrievable field came back."""
    quality = Quality()
    originals = {name: {str(r["id"]): r for r in spec["records"]} for name, spec in data["templates"].items()}
    for q in data["queries"]:
        spec = data["templates"][q["template"]]
        res = engine.search(owner, template_ids[q["template"]], q["query"], search_params=q.get("search_params"),
                            rerank=rerank, limit=limit)
        got = [r["source_id"] for r in res.results]
        rank = next((i + 1 for i, s in enumerate(got) if s in q["relevant"]), 0)
        quality.ranks.append(rank)
        quality.by_lang.setdefault(q["lang"], []).append(rank)
        rules = parse_field_options(spec["field_options"])
        filters = build_filters(q.get("search_params"), None, {p for p, o in spec["field_options"].items()
                                                                 if o.get("filterable")})
        for r in res.results:
            full = prepare_record(originals[q["template"]][r["source_id"]], rules, r["source_id"])
            quality.violations += not filters.matches(full.filters)
            quality.leaked_fields += sum(_has_path(r["data"], p) for p in _hidden_paths(spec["field_options"]))
    return quality
