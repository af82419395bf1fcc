"""The embeddings engine: templates owned by an account, records and documents in, ranked records out.

What the embeddings kinds (``jobs/embeddings.py``) and routes call. Every method takes the caller's owner key (an
account id, or an account + external user: :func:`owner_key`) and treats a template owned by anyone else exactly
like a missing one: NotFound. Templates live in our database (``db.models.EmbeddingTemplate``, so every process of a
cluster sees the same ones); their vectors in the vector index.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from reelforge.core.errors import BadRequest, NotFound
from reelforge.db.database import Database
from reelforge.db.models import Base, EmbeddingTemplate
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
EMBED_BATCH = 64  # passages per model call: progress is recorded after each batch

Progress = Callable[[int], None]  # records embedded so far


def owner_key(account_id: str, provider: str | None = None, external_user_id: str | None = None) -> str:
    """Who owns a template: the account, or one external user of it (templates of two external users, and of the
    account itself, never see each other)."""
    if external_user_id:
        return f"{account_id}|ext:{provider or ''}:{external_user_id}"
    return account_id


@dataclass
class Template:
    template_id: str
    owner: str
    name: str
    field_options: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)  # filterable path -> value type
    searchable: list[str] = field(default_factory=list)
    source: str = "records"
    status: str = "ready"
    request_id: str | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    record_count: int = 0
    embedding_model: str = ""
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def rules(self) -> dict[str, FieldRule]:
        return parse_field_options(self.field_options)

    @property
    def filterable(self) -> set[str]:
        return set(self.fields)


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
    filters: dict[str, Any] = field(default_factory=dict)  # the structured filters applied


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _template(row: EmbeddingTemplate) -> Template:
    return Template(row.id, row.owner, row.name, dict(row.field_options), dict(row.fields), list(row.searchable),
                    row.source, row.status, row.request_id, dict(row.progress), row.record_count,
                    row.embedding_model, row.error, row.created_at, row.updated_at)


def catalog_database(path: Path | str) -> Database:
    """A stand-alone SQLite catalogue (tests, the bench); a server passes its own migrated database instead."""
    db = Database(f"sqlite:///{Path(path).resolve()}")
    Base.metadata.create_all(db.engine, tables=[EmbeddingTemplate.__table__])  # type: ignore[list-item]
    return db


def record_passages(field_options: Mapping[str, Any] | None, records: Sequence[Mapping[str, Any]]
                    ) -> tuple[list[PreparedRecord], list[list[str]]]:
    """Records as the engine reads them, and each one's passages: what is embedded (and billed)."""
    rules = parse_field_options(field_options)
    prepared = [prepare_record(r, rules, fallback_id=str(uuid.uuid4())) for r in records]
    empty = [p.source_id for p in prepared if not p.text.strip()]
    if empty:
        raise BadRequest(f"records {empty[:5]} have no searchable text.", field="records")
    return prepared, [chunk_text(p.text) for p in prepared]


def document_passages(documents: Sequence[Mapping[str, Any]]) -> tuple[list[PreparedRecord], list[list[str]]]:
    """Plain text (``{url, title, content}``), chunked with overlap; the URL is the source id."""
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
    return prepared, passages


class EmbeddingEngine:
    def __init__(self, provider: EmbeddingProvider, index: VectorIndex, catalog: Database | Path | str) -> None:
        self.provider = provider
        self.index = index
        self.db = catalog if isinstance(catalog, Database) else catalog_database(catalog)

    # -- templates ---------------------------------------------------------------------------------------------

    def create_template(self, owner: str, name: str, field_options: Mapping[str, Any] | None = None, *,
                        template_id: str | None = None, source: str = "records", request_id: str | None = None,
                        status: str = "ready") -> Template:
        """A new template; with ``template_id`` an existing one of the same owner is returned as it is (a job's
        stage that runs again after a crash must not fail or start over)."""
        parse_field_options(field_options)  # reject a malformed one before storing it
        template_id = template_id or f"emb_{uuid.uuid4().hex[:20]}"
        with self.db.session() as s:
            row = s.get(EmbeddingTemplate, template_id)
            if row is not None:
                if row.owner != owner:
                    raise NotFound("No embedding template with this id.", field="template_id")
                return _template(row)
            row = EmbeddingTemplate(id=template_id, owner=owner, name=name, field_options=dict(field_options or {}),
                                    fields={}, searchable=[], source=source, status=status, request_id=request_id,
                                    progress={}, record_count=0, embedding_model=self.provider.name)
            s.add(row)
            s.flush()
            return _template(row)

    def find(self, template_id: str) -> Template | None:
        with self.db.session() as s:
            row = s.get(EmbeddingTemplate, template_id)
            return None if row is None else _template(row)

    def template(self, owner: str, template_id: str | None) -> Template:
        tpl = self.find(template_id) if template_id else None
        if tpl is None or tpl.owner != owner:
            raise NotFound("No embedding template with this id.", field="template_id")
        return tpl

    def templates(self, owner: str, limit: int = 1000, offset: int = 0) -> tuple[list[Template], int]:
        """One page of the owner's templates, oldest first, and how many there are in all."""
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(EmbeddingTemplate)
                             .where(EmbeddingTemplate.owner == owner)) or 0
            rows = s.scalars(select(EmbeddingTemplate).where(EmbeddingTemplate.owner == owner)
                             .order_by(EmbeddingTemplate.created_at, EmbeddingTemplate.id)
                             .limit(limit).offset(offset)).all()
            return [_template(r) for r in rows], int(total)

    def update_state(self, template_id: str, *, status: str | None = None, error: str | None = None,
                     **progress: Any) -> None:
        """Record a job's progress (``pages_fetched=3``, ``records_embedded=64``) or its end."""
        with self.db.session() as s:
            row = s.get(EmbeddingTemplate, template_id)
            if row is None:
                return
            if progress:
                row.progress = {**row.progress, **progress}
            if status:
                row.status = status
            if error is not None:
                row.error = error

    def merge_field_options(self, owner: str, template_id: str, field_options: Mapping[str, Any]) -> Template:
        """An update's ``field_options``: merged over the template's, applied to the records it writes."""
        parse_field_options(field_options)
        self.template(owner, template_id)
        with self.db.session() as s:
            row = s.get(EmbeddingTemplate, template_id)
            if row is None:
                raise NotFound("No embedding template with this id.", field="template_id")
            row.field_options = {**row.field_options, **field_options}
            return _template(row)

    def _finish_write(self, tpl: Template, prepared: Sequence[PreparedRecord] = ()) -> Template:
        """After a write: the template's filterable fields and their types, its searchable paths and record count.

        Every scalar field the records hold is filterable unless its options say ``filterable: false`` (those never
        reach ``rec.filters``), so the readme's ``search_params: {city: ...}`` applies on a template that declared
        only ``price``; keys naming no field of the template are still ignored."""
        fields = dict(tpl.fields)
        declared = {p for p, r in tpl.rules.items() if r.filterable}
        for rec in prepared:
            for path, value in rec.filters.items():
                fields.setdefault(path, _value_type(value))
        fields.update({p: fields.get(p, "string") for p in declared})
        searchable = sorted({p for p, r in tpl.rules.items() if r.searchable} | set(tpl.searchable))
        with self.db.session() as s:
            row = s.get(EmbeddingTemplate, tpl.template_id)
            if row is None:  # deleted meanwhile: the index write stands for nothing; leave no catalogue entry
                raise NotFound("No embedding template with this id.", field="template_id")
            row.fields, row.searchable = fields, searchable
            row.record_count = self.index.record_count(tpl.template_id)
            row.embedding_model = self.provider.name
            return _template(row)

    # -- writing -----------------------------------------------------------------------------------------------

    def _index(self, tpl: Template, prepared: Sequence[PreparedRecord], passages: Sequence[Sequence[str]],
               passage_in_payload: bool = False, on_progress: Progress | None = None) -> Ingested:
        items: list[IndexItem] = []
        tokens = 0
        # Whole records per batch, so every upsert replaces all of a record's chunks at once.
        batch: list[tuple[PreparedRecord, Sequence[str]]] = []
        done = 0

        def flush() -> None:
            nonlocal tokens, done
            texts = [t for _, chunks in batch for t in chunks]
            vectors = self.provider.embed(texts, side="passage")
            tokens += self.provider.count_tokens(texts)
            row = 0
            new: list[IndexItem] = []
            for rec, chunks in batch:
                for n, text in enumerate(chunks):
                    # A document's result is the passage that matched; a record's only its retrievable fields.
                    payload = {**rec.payload, "content": text} if passage_in_payload else rec.payload
                    new.append(IndexItem(rec.source_id, n, vectors[row], text, rec.filters, payload))
                    row += 1
            self.index.upsert(tpl.template_id, new)
            items.extend(new)
            done += len(batch)
            batch.clear()
            if on_progress:
                on_progress(done)

        for rec, chunks in zip(prepared, passages, strict=True):
            batch.append((rec, chunks))
            if sum(len(c) for _, c in batch) >= EMBED_BATCH:
                flush()
        if batch:
            flush()
        self._finish_write(tpl, prepared)
        return Ingested(tpl.template_id, len(prepared), len(items), tokens)

    def add_records(self, owner: str, template_id: str, records: Sequence[Mapping[str, Any]],
                    on_progress: Progress | None = None) -> Ingested:
        """Embed JSON records; a record whose id already exists replaces its old vectors (update)."""
        tpl = self.template(owner, template_id)
        prepared, passages = record_passages(tpl.field_options, records)
        return self._index(tpl, prepared, passages, on_progress=on_progress)

    def add_documents(self, owner: str, template_id: str, documents: Sequence[Mapping[str, Any]],
                      on_progress: Progress | None = None) -> Ingested:
        tpl = self.template(owner, template_id)
        prepared, passages = document_passages(documents)
        return self._index(tpl, prepared, passages, passage_in_payload=True, on_progress=on_progress)

    def delete(self, owner: str, template_id: str, source_ids: Sequence[str] | None = None, *,
               keep_template: bool = False) -> int:
        """Delete these records (or all of them when None, and the template too unless ``keep_template``); gone
        from results immediately."""
        tpl = self.template(owner, template_id)
        if source_ids is None and not keep_template:
            with self.db.session() as s:  # the catalogue first: a search racing the delete finds no template
                row = s.get(EmbeddingTemplate, template_id)
                if row is not None:
                    s.delete(row)
        removed = self.index.delete(template_id, source_ids)
        if source_ids is not None or keep_template:
            self._finish_write(tpl)
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
        applied = {c.path: _condition_wire(c) for c in filters.conditions}
        return SearchResult([_result(h) for h in hits[:limit]], self.provider.count_tokens([search_term]), applied)

    def similar(self, owner: str, template_id: str, search_json: Mapping[str, Any], **kwargs: Any) -> SearchResult:
        """Records like ``search_json``: its searchable fields, read by the template's rules, are the query."""
        tpl = self.template(owner, template_id)
        text = prepare_record(search_json, tpl.rules, fallback_id="query").text
        if not text.strip():
            raise BadRequest("search_json has no searchable fields.", field="search_json")
        return self.search(owner, template_id, text, **kwargs)


def _condition_wire(cond: Any) -> Any:
    if cond.ranged:
        return {k: v for k, v in (("min", cond.minimum), ("max", cond.maximum)) if v is not None}
    return cond.equals[0] if len(cond.equals) == 1 else list(cond.equals)


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
