"""The embeddings engine: templates owned by an account, records and documents in, ranked records out.

What the routes (a later ``jobs/`` module) call. Every method takes the caller's owner key (an account id, or an
account + external user) and treats a template owned by anyone else exactly like a missing one: NotFound.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.core.errors import BadRequest, NotFound
from reelforge.providers.embeddings import EmbeddingProvider
from reelforge.search.chunking import chunk_text
from reelforge.search.fields import (
    FieldRule,
    PreparedRecord,
    build_filters,
    parse_field_options,
    prepare_record,
)
from reelforge.search.index import Hit, IndexItem, VectorIndex
from reelforge.search.rerank import rerank as rerank_hits

RERANK_POOL = 50  # vector candidates the lexical reranker reorders
MAX_LIMIT = 100


@dataclass
class Template:
    template_id: str
    owner: str
    name: str
    field_options: dict[str, Any]
    filterable: set[str] = field(default_factory=set)

    @property
    def rules(self) -> dict[str, FieldRule]:
        return parse_field_options(self.field_options)


@dataclass
class Ingested:
    template_id: str
    records: int
    vectors: int
    tokens: int


@dataclass
class SearchResult:
    results: list[dict[str, Any]]
    tokens: int


class EmbeddingEngine:
    def __init__(self, provider: EmbeddingProvider, index: VectorIndex, catalog: Path | str = ":memory:") -> None:
        self.provider = provider
        self.index = index
        self._db = sqlite3.connect(str(catalog), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embedding_templates (template_id TEXT PRIMARY KEY, owner TEXT NOT NULL,"
            " name TEXT NOT NULL, field_options TEXT NOT NULL, filterable TEXT NOT NULL)")
        self._lock = threading.Lock()

    # -- templates ---------------------------------------------------------------------------------------------

    def create_template(self, owner: str, name: str, field_options: Mapping[str, Any] | None = None) -> Template:
        parse_field_options(field_options)  # reject a malformed one before storing it
        tpl = Template(f"emb_{uuid.uuid4().hex[:20]}", owner, name, dict(field_options or {}))
        self._save(tpl)
        return tpl

    def _save(self, tpl: Template) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO embedding_templates VALUES (?, ?, ?, ?, ?)",
                             (tpl.template_id, tpl.owner, tpl.name, json.dumps(tpl.field_options),
                              json.dumps(sorted(tpl.filterable))))

    def template(self, owner: str, template_id: str) -> Template:
        row = self._db.execute("SELECT owner, name, field_options, filterable FROM embedding_templates"
                               " WHERE template_id=?", (template_id,)).fetchone()
        if row is None or row[0] != owner:
            raise NotFound("No embedding template with this id.", field="template_id")
        return Template(template_id, row[0], row[1], json.loads(row[2]), set(json.loads(row[3])))

    def templates(self, owner: str) -> list[Template]:
        rows = self._db.execute("SELECT template_id FROM embedding_templates WHERE owner=? ORDER BY rowid",
                                (owner,)).fetchall()
        return [self.template(owner, r[0]) for r in rows]

    # -- writing -----------------------------------------------------------------------------------------------

    def _filterable(self, tpl: Template, prepared: Sequence[PreparedRecord]) -> set[str]:
        rules = tpl.rules
        declared = {p for p, r in rules.items() if r.filterable}
        if declared:
            return declared
        return tpl.filterable | {p for rec in prepared for p in rec.filters}

    def _index(self, tpl: Template, prepared: Sequence[PreparedRecord], passages: Sequence[Sequence[str]],
               passage_in_payload: bool = False) -> Ingested:
        texts = [t for chunks in passages for t in chunks]
        vectors = self.provider.embed(texts, side="passage")
        items: list[IndexItem] = []
        row = 0
        for rec, chunks in zip(prepared, passages, strict=True):
            for n, text in enumerate(chunks):
                # A document's result is the passage that matched; a record's is only its retrievable fields.
                payload = {**rec.payload, "content": text} if passage_in_payload else rec.payload
                items.append(IndexItem(rec.source_id, n, vectors[row], text, rec.filters, payload))
                row += 1
        self.index.upsert(tpl.template_id, items)
        tpl.filterable = self._filterable(tpl, prepared)
        self._save(tpl)
        return Ingested(tpl.template_id, len(prepared), len(items), self.provider.count_tokens(texts))

    def add_records(self, owner: str, template_id: str, records: Sequence[Mapping[str, Any]]) -> Ingested:
        """Embed JSON records; a record whose id already exists replaces its old vectors (update)."""
        tpl = self.template(owner, template_id)
        prepared = [prepare_record(r, tpl.rules, fallback_id=str(uuid.uuid4())) for r in records]
        empty = [p.source_id for p in prepared if not p.text.strip()]
        if empty:
            raise BadRequest(f"records {empty[:5]} have no searchable text.", field="records")
        return self._index(tpl, prepared, [chunk_text(p.text) for p in prepared])

    def add_documents(self, owner: str, template_id: str, documents: Sequence[Mapping[str, Any]]) -> Ingested:
        """Plain text (``{url, title, content}``), chunked with overlap; the URL is the source id."""
        tpl = self.template(owner, template_id)
        prepared, passages = [], []
        for i, doc in enumerate(documents):
            content = str(doc.get("content") or "").strip()
            if not content:
                raise BadRequest(f"plain_text[{i}].content is empty.", field=f"plain_text[{i}].content")
            title = str(doc.get("title") or "")
            source_id = str(doc.get("url") or doc.get("id") or f"text-{i}")
            payload = {"url": doc.get("url"), "title": title}
            prepared.append(PreparedRecord(source_id, content, {"url": doc.get("url")}, payload))
            passages.append([f"{title}\n{c}" if title else c for c in chunk_text(content)])
        return self._index(tpl, prepared, passages, passage_in_payload=True)

    def delete(self, owner: str, template_id: str, source_ids: Sequence[str] | None = None) -> int:
        """Delete these records (or the whole template when None); gone from results immediately."""
        self.template(owner, template_id)
        removed = self.index.delete(template_id, source_ids)
        if source_ids is None:
            with self._lock:
                self._db.execute("DELETE FROM embedding_templates WHERE template_id=?", (template_id,))
        return removed

    # -- reading -----------------------------------------------------------------------------------------------

    def search(self, owner: str, template_id: str, search_term: str, *, search_params: Mapping[str, Any] | None = None,
               structured_filters: Mapping[str, Any] | None = None, rerank: bool = False,
               limit: int = 10) -> SearchResult:
        tpl = self.template(owner, template_id)
        if not isinstance(search_term, str) or not search_term.strip():
            raise BadRequest("search_term must be a non-empty string.", field="search_term")
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
        filters = build_filters(search_params, structured_filters, tpl.filterable)
        vector = self.provider.embed([search_term], side="query")[0]
        # Chunks of one document compete for slots; ask for more and keep each source's best chunk.
        pool = max(limit * 3, RERANK_POOL if rerank else 0)
        hits = _best_per_source(self.index.search(template_id, vector, pool, filters))
        if rerank:
            hits = rerank_hits(search_term, hits, len(hits))
        return SearchResult([_result(h) for h in hits[:limit]], self.provider.count_tokens([search_term]))

    def similar(self, owner: str, template_id: str, search_json: Mapping[str, Any], **kwargs: Any) -> SearchResult:
        """Records like ``search_json``: its searchable fields, read by the template's rules, are the query."""
        tpl = self.template(owner, template_id)
        text = prepare_record(search_json, tpl.rules, fallback_id="query").text
        if not text.strip():
            raise BadRequest("search_json has no searchable fields.", field="search_json")
        return self.search(owner, template_id, text, **kwargs)


def _best_per_source(hits: Sequence[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.source_id not in seen:
            seen.add(h.source_id)
            out.append(h)
    return out


def _result(hit: Hit) -> dict[str, Any]:
    return {"source_id": hit.source_id, "score": round(hit.score, 6), "data": hit.payload}
