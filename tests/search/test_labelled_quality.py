"""The labelled set (200 records, 48 queries, en/es/th/ja) through the real model and the real index."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.providers.embeddings import EmbeddingProvider
from reelforge.search.embedded import EmbeddedIndex
from reelforge.search.engine import EmbeddingEngine
from reelforge.search.evaluate import evaluate, ingest_labelled, load_labelled

from .conftest import LABELLED


@pytest.fixture(scope="module")
def labelled(provider: EmbeddingProvider, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("labelled")
    engine = EmbeddingEngine(provider, EmbeddedIndex(tmp / "v.sqlite"), tmp / "c.sqlite")
    data = load_labelled(LABELLED)
    return engine, data, ingest_labelled(engine, data, "acct-labelled")


def test_set_is_big_enough_and_in_four_languages() -> None:
    data = load_labelled(LABELLED)
    assert sum(len(t["records"]) for t in data["templates"].values()) >= 200
    assert len(data["queries"]) >= 40
    assert {q["lang"] for q in data["queries"]} == {"en", "es", "th", "ja"}


def test_filters_never_violated_and_hidden_fields_never_returned(labelled) -> None:
    engine, data, ids = labelled
    for rerank in (False, True):
        quality = evaluate(engine, data, ids, "acct-labelled", rerank=rerank, limit=20)
        assert quality.violations == 0
        assert quality.leaked_fields == 0


def test_quality_and_rerank_improves_mrr(labelled) -> None:
    engine, data, ids = labelled
    plain = evaluate(engine, data, ids, "acct-labelled", rerank=False)
    fused = evaluate(engine, data, ids, "acct-labelled", rerank=True)
    assert plain.recall(5) >= 0.95
    assert fused.mrr() > plain.mrr()
    assert all(fused.recall(5, ranks) >= 0.9 for ranks in fused.by_lang.values())


def test_other_owner_sees_nothing(labelled) -> None:
    from reelforge.core.errors import NotFound

    engine, _, ids = labelled
    with pytest.raises(NotFound):
        engine.search("someone-else", ids["listings"], "apartment")
    with pytest.raises(NotFound):
        engine.delete("someone-else", ids["listings"], ["en-L01"])
    assert engine.templates("someone-else") == ([], 0)
    assert engine.search("acct-labelled", ids["listings"], "lake view in Dallas").results


def test_persisted_index_reloads(tmp_path: Path, provider: EmbeddingProvider) -> None:
    first = EmbeddingEngine(provider, EmbeddedIndex(tmp_path / "v.sqlite"), tmp_path / "c.sqlite")
    tpl = first.create_template("acct", "t", {"description": {"searchable": True}})
    first.add_records("acct", tpl.template_id, [{"id": "1", "description": "Sunny loft in Austin"}])
    again = EmbeddingEngine(provider, EmbeddedIndex(tmp_path / "v.sqlite"), tmp_path / "c.sqlite")
    assert [r["source_id"] for r in again.search("acct", tpl.template_id, "loft").results] == ["1"]
