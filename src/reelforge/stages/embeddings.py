"""The work of the embeddings routes: embedding records or documents into a template, crawling a site, searching.

Each stage records its progress on the template (``pages_fetched``, ``records_embedded``) so ``embedding_status``
can report a job in flight, and settles the request's charge to what was actually processed (tokens the model's
tokenizer counted, pages fetched). Every stage is safe to run again after a crash: the template is created only if
missing and records are upserted by source id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from reelforge.db.models import wire_time
from reelforge.search.billing import Mode, embedding_charge
from reelforge.search.crawl import Page, crawl
from reelforge.search.engine import EmbeddingEngine, Ingested, SearchResult, Template
from reelforge.search.service import engine_for
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import CrawlOutput, Published

Source = Literal["records", "plain_text", "url"]


def engine(env: StageEnv) -> EmbeddingEngine:
    return engine_for(env.rt.settings, env.rt.db)


def structured_fields(tpl: Template) -> list[dict[str, Any]]:
    return [{"key": path, "type": kind} for path, kind in sorted(tpl.fields.items())]


def template_body(tpl: Template) -> dict[str, Any]:
    """A template as the SDK's ``EmbeddingTemplateSummary`` / ``CreateEmbeddingResponse`` read it."""
    return {
        "template_id": tpl.template_id,
        "name": tpl.name,
        "template_name": tpl.name,
        "record_count": tpl.record_count,
        "structured_fields": structured_fields(tpl),
        "unstructured_fields": tpl.searchable,
        "embedding_model": tpl.embedding_model,
        "source": tpl.source,
        "status": tpl.status,
        "progress": tpl.progress,
        "created_at": wire_time(tpl.created_at),
        "updated_at": wire_time(tpl.updated_at),
    }


def _ingest(env: StageEnv, template_id: str, write: Callable[[EmbeddingEngine], Ingested]) -> Ingested:
    """Run a write, recording failure on the template (the request itself is failed and refunded above)."""
    eng = engine(env)
    try:
        return write(eng)
    except Exception as exc:
        eng.update_state(template_id, status="failed", error=str(exc) or exc.__class__.__name__)
        raise


def embed_into_template(env: StageEnv, *, template_id: str, owner: str, name: str,
                        field_options: Mapping[str, Any], source: Source, records: Sequence[Mapping[str, Any]],
                        extra: Mapping[str, Any] | None = None, pages: int = 0) -> Published:
    """Create the template (once) and embed ``records`` (JSON records, or ``{url, title, content}`` documents
    for plain text and crawled pages) into it; the result is the SDK's ``CreateEmbeddingResponse``."""
    eng = engine(env)
    eng.create_template(owner, name, field_options, template_id=template_id, source=source,
                        request_id=env.request_id, status="processing")

    def progress(done: int) -> None:
        eng.update_state(template_id, records_embedded=done)

    def write(e: EmbeddingEngine) -> Ingested:
        if source == "records":
            return e.add_records(owner, template_id, records, on_progress=progress)
        return e.add_documents(owner, template_id, records, on_progress=progress)

    ingested = _ingest(env, template_id, write)
    eng.update_state(template_id, status="ready", records_embedded=ingested.records)
    tpl = eng.template(owner, template_id)
    mode: Mode = source
    charge = embedding_charge(ingested.tokens, mode, pages, env.rt.prices)
    result = {**template_body(tpl), "vector_count": ingested.vectors, "input_tokens": ingested.tokens,
              **(extra or {})}
    return Published(result=result, final_price=charge.credits)


def update_template(env: StageEnv, *, template_id: str, owner: str, records: Sequence[Mapping[str, Any]],
                    field_options: Mapping[str, Any] | None) -> Published:
    eng = engine(env)
    if field_options:
        eng.merge_field_options(owner, template_id, field_options)
    ingested = eng.add_records(owner, template_id, records)
    tpl = eng.template(owner, template_id)
    charge = embedding_charge(ingested.tokens, "records", prices=env.rt.prices)
    result = {**template_body(tpl), "updated_count": ingested.records, "input_tokens": ingested.tokens}
    return Published(result=result, final_price=charge.credits)


def crawl_site(env: StageEnv, *, template_id: str, owner: str, name: str, field_options: Mapping[str, Any],
               urls: Sequence[str], levels: int, max_pages: int) -> CrawlOutput:
    """Fetch the site breadth first (SSRF guard, robots.txt, same host) and keep each page's main text in a blob
    for the embedding stage."""
    eng = engine(env)
    eng.create_template(owner, name, field_options, template_id=template_id, source="url",
                        request_id=env.request_id, status="processing")

    def progress(_page: Page, fetched: int) -> None:
        eng.update_state(template_id, pages_fetched=fetched)
        # Of the most pages it may fetch: a smaller site ends early and the stage jumps to done.
        env.progress(fetched / max(max_pages, 1), f"{fetched} pages fetched", pages_fetched=fetched)

    try:
        found = crawl(urls, env.rt.fetch_policy, levels=levels, max_pages=max_pages, on_page=progress)
    except Exception as exc:
        eng.update_state(template_id, status="failed", error=str(exc) or exc.__class__.__name__)
        raise
    eng.update_state(template_id, pages_fetched=found.fetched)
    if not found.pages:
        reasons = "; ".join(f"{u}: {why}" for u, why in found.refused[:5]) or "no page had readable text"
        message = f"urls: nothing could be embedded ({reasons})"
        eng.update_state(template_id, status="failed", error=message)
        raise ValueError(message)
    key = f"embeddings/{env.request_id}/pages.json"
    docs = [{"url": p.url, "title": p.title, "content": p.text, "level": p.level} for p in found.pages]
    env.rt.blobs.put_bytes(key, json.dumps(docs).encode())
    return CrawlOutput(pages_key=key, fetched=found.fetched,
                       refused=[{"url": u, "message": why, "code": "refused"} for u, why in found.refused])


def embed_crawled(env: StageEnv, *, template_id: str, owner: str, name: str, field_options: Mapping[str, Any],
                  crawled: CrawlOutput, input_url_count: int, levels: int, max_pages: int) -> Published:
    docs = json.loads(env.rt.blobs.path(crawled.pages_key).read_bytes())
    extra = {"input_url_count": input_url_count, "processed_url_count": len(docs), "pages_fetched": crawled.fetched,
             "crawl_levels": levels, "max_links": max_pages, "skipped_urls": crawled.refused,
             "crawl_errors": crawled.refused, "urls": [d["url"] for d in docs]}
    documents = [{k: d[k] for k in ("url", "title", "content")} for d in docs]
    return embed_into_template(env, template_id=template_id, owner=owner, name=name, field_options=field_options,
                               source="url", records=documents, extra=extra, pages=crawled.fetched)


def search_body(template_id: str, tpl_name: str, found: SearchResult) -> dict[str, Any]:
    """The SDK's ``SearchAgainstEmbeddingResponse`` and ``SimilarToEmbeddingResponse`` in one body."""
    results = [{"id": r["source_id"], "source_id": r["source_id"], "score": r["score"], "record": r["data"]}
               for r in found.results]
    return {"template_id": template_id, "template_name": tpl_name, "structured_filters": found.filters,
            "results": results, "matches": [{"id": r["id"], "score": r["score"]} for r in results],
            "input_tokens": found.tokens}


def search_template(env: StageEnv, *, template_id: str, owner: str, search_term: str | None,
                    search_json: Mapping[str, Any] | None, search_params: Mapping[str, Any] | None,
                    structured_filters: Mapping[str, Any] | None, rerank: bool, limit: int) -> Published:
    eng = engine(env)
    tpl = eng.template(owner, template_id)
    kwargs: dict[str, Any] = {"search_params": search_params, "structured_filters": structured_filters,
                              "rerank": rerank, "limit": limit}
    if search_json is not None:
        found = eng.similar(owner, template_id, search_json, **kwargs)
    else:
        found = eng.search(owner, template_id, search_term or "", **kwargs)
    charge = embedding_charge(found.tokens, "search", prices=env.rt.prices)
    return Published(result=search_body(template_id, tpl.name, found), final_price=charge.credits)


def raw_embeddings(env: StageEnv, *, inputs: Sequence[str]) -> Published:
    """``/v2/external/embeddings``: the OpenAI embeddings response for ``inputs``."""
    eng = engine(env)
    vectors = eng.provider.embed(list(inputs), side="passage")
    tokens = eng.provider.count_tokens(list(inputs))
    data = [{"object": "embedding", "index": i, "embedding": [round(float(x), 7) for x in row]}
            for i, row in enumerate(vectors)]
    result = {"object": "list", "data": data, "model": eng.provider.name, "dimensions": eng.provider.dim,
              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
    return Published(result=result, final_price=embedding_charge(tokens, "records", prices=env.rt.prices).credits)
