"""Records, field options, filters, update and delete against the real model and index."""

from __future__ import annotations

import pytest

from reelforge.core.errors import BadRequest
from reelforge.search.billing import embedding_charge
from reelforge.search.chunking import chunk_text
from reelforge.search.engine import EmbeddingEngine
from reelforge.search.rerank import tokenize

README_RECORDS = [
    {"id": "1", "city": "Austin", "price": 1800, "description": "Modern 1BR close to downtown.",
     "internal_notes": "tenant owes deposit", "owner": {"email": "a@x.com", "name": "Ann"}},
    {"id": "2", "city": "Dallas", "price": 2200, "description": "Spacious 2BR with a balcony.",
     "internal_notes": "VIP landlord", "owner": {"email": "b@x.com", "name": "Bo"}},
    {"id": "3", "city": "Dallas", "price": 3100, "description": "Large 2 bedroom apartment with a pool.",
     "internal_notes": "do not show", "owner": {"email": "c@x.com", "name": "Cy"}},
]
README_OPTIONS = {
    "description": {"searchable": True},
    "internal_notes": {"searchable": False, "retrievable": False},
    "price": {"filterable": True},
    "city": {"filterable": True},
    "owner.email": {"retrievable": False},
}


@pytest.fixture
def listings(engine: EmbeddingEngine) -> str:
    tpl = engine.create_template("acct", "listings", README_OPTIONS)
    engine.add_records("acct", tpl.template_id, README_RECORDS)
    return tpl.template_id


def ids(result) -> list[str]:
    return [r["source_id"] for r in result.results]


def test_readme_search_respects_filters_and_hides_fields(engine: EmbeddingEngine, listings: str) -> None:
    res = engine.search("acct", listings, "2 bedroom apartment in Dallas under 2500",
                        search_params={"city": "Dallas", "price": {"max": 2500}}, rerank=True)
    assert ids(res) == ["2"]
    data = res.results[0]["data"]
    assert "internal_notes" not in data and "email" not in data["owner"] and data["owner"]["name"] == "Bo"
    assert res.tokens > 0


def test_list_filter_unknown_params_and_forced_filters(engine: EmbeddingEngine, listings: str) -> None:
    both = engine.search("acct", listings, "apartment", search_params={"city": ["austin", "DALLAS"], "colour": "x"})
    assert sorted(ids(both)) == ["1", "2", "3"]  # list = any of, case-insensitive; unknown key ignored
    forced = engine.search("acct", listings, "apartment", structured_filters={"owner.name": "Cy"})
    assert ids(forced) == ["3"]
    with pytest.raises(BadRequest):
        engine.search("acct", listings, "apartment", search_params={"price": {"max": "cheap"}})


def test_similar_uses_search_json(engine: EmbeddingEngine, listings: str) -> None:
    res = engine.similar("acct", listings, {"city": "Austin", "price": 2000, "description": "modern downtown flat"},
                         search_params={"city": "Austin"})
    assert ids(res) == ["1"]


def test_update_replaces_vectors_and_delete_is_immediate(engine: EmbeddingEngine, listings: str) -> None:
    assert ids(engine.search("acct", listings, "balcony", limit=1)) == ["2"]
    engine.add_records("acct", listings, [{**README_RECORDS[1], "description": "Cosy cabin by a frozen lake.",
                                           "price": 900}])
    top = engine.search("acct", listings, "cabin near a lake", limit=1).results[0]
    assert top["source_id"] == "2" and top["data"]["price"] == 900
    assert engine.index.count(listings) == 3  # replaced, not added
    assert engine.delete("acct", listings, ["2"]) == 1
    assert "2" not in ids(engine.search("acct", listings, "cabin near a lake"))
    engine.delete("acct", listings)
    assert engine.templates("acct") == ([], 0)


def test_inline_wrappers(engine: EmbeddingEngine) -> None:
    tpl = engine.create_template("acct", "inline")
    engine.add_records("acct", tpl.template_id, [
        {"id": "a", "body": {"value": "Beach house in Phuket", "searchable": True},
         "secret": {"value": "code 1234", "searchable": False, "retrievable": False},
         "rooms": {"value": 3, "filterable": True}},
    ])
    res = engine.search("acct", tpl.template_id, "beach", search_params={"rooms": {"min": 3}})
    assert ids(res) == ["a"] and "secret" not in res.results[0]["data"]
    assert not engine.search("acct", tpl.template_id, "beach", search_params={"rooms": {"min": 4}}).results


def test_plain_text_documents_are_chunked(engine: EmbeddingEngine) -> None:
    tpl = engine.create_template("acct", "docs")
    long = " ".join(f"Sentence {i} about invoices and refunds." for i in range(120))
    out = engine.add_documents("acct", tpl.template_id, [
        {"url": "https://example.com/docs/billing", "title": "Billing", "content": long},
        {"url": "https://example.com/docs/start", "title": "Getting Started", "content": "Create an API key first."},
    ])
    assert out.records == 2 and out.vectors > 3
    res = engine.search("acct", tpl.template_id, "how do I get an api key")
    assert res.results[0]["source_id"] == "https://example.com/docs/start"
    assert len({r["source_id"] for r in res.results}) == len(res.results)  # one hit per document


def test_chunking_overlaps() -> None:
    text = " ".join(f"word{i}" for i in range(600))
    chunks = chunk_text(text, size=500, overlap=100)
    assert len(chunks) > 5 and all(len(c) <= 500 for c in chunks)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.split()[-1] in b.split()[:25]  # the next chunk starts inside the previous one's tail


def test_tokens_and_billing(engine: EmbeddingEngine) -> None:
    assert engine.provider.count_tokens(["hello world"]) == 7  # what the model reads: <s> passage: hello world </s>
    assert embedding_charge(1_000_000, "records").credits == 100
    assert embedding_charge(1_000_000, "plain_text").credits == 250
    assert embedding_charge(400_000, "url", pages=3).credits == 100 + 3
    assert embedding_charge(1, "search").credits == 1  # a request with any tokens costs at least one credit
    assert embedding_charge(0, "search").credits == 0


def test_tokenizer_splits_unspaced_scripts() -> None:
    assert tokenize("คอนโดภูเก็ต") [:2] == ["คอ", "อน"]
    assert tokenize("東京の部屋 2LDK") == ["東京", "京の", "の部", "部屋", "2ldk"]
