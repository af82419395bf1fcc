"""Embeddings: create a template from JSON records, cleaned plain text or a URL crawl; update it; search it; and
raw OpenAI-style vectors (``/v2/external/embeddings``).

Prices (``prices.json`` → ``embeddings``, :func:`search.billing.embedding_charge`): input tokens counted by the
model's own tokenizer at $1 per million (100 credits = $1), ×2.5 for plain text and for the embedding phase of a
URL crawl, plus a price per crawled page. Records, plain text and searches are counted while the request is
prepared, so the up-front charge is the price; a crawl is charged a hold for its most pages (``max_pages``) and
settled to the pages it fetched and the tokens it embedded.

A template belongs to the calling account, or to one external user of it when the body names an
``external_user`` (``{provider, external_user_id | unique_key}``): every kind checks ownership while preparing,
so another owner's template id answers 404 and costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reelforge.core.errors import BadRequest
from reelforge.core.ids import new_id
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import (
    BodyT,
    InputT,
    JobInput,
    JobKind,
    Plan,
    Prepared,
    PrepareEnv,
    SingleStageKind,
    StageContext,
    StageDef,
)
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.search.billing import embedding_charge
from reelforge.search.crawl import MAX_PAGES
from reelforge.search.engine import (
    MAX_LIMIT,
    EmbeddingEngine,
    document_passages,
    owner_key,
    record_passages,
)
from reelforge.search.fields import build_filters, prepare_record
from reelforge.search.service import engine_for
from reelforge.stages.embeddings import (
    crawl_site,
    embed_crawled,
    embed_into_template,
    raw_embeddings,
    search_template,
    update_template,
)
from reelforge.stages.outputs import CrawlOutput, StageOutput

MAX_RECORDS = 50_000
MAX_RAW_INPUTS = 256
# A crawl's hold assumes this many tokens per page (a long article); the charge settles to the real count.
HOLD_TOKENS_PER_PAGE = 4000
_PLAIN_TEXT_KEYS = ("plain_text", "plainText", "plain_texts", "plainTexts", "texts", "documents", "items", "entries")
_CONTENT_KEYS = ("plain_text", "plainText", "content", "text", "cleaned_text", "cleanedText", "markdown", "body")
_FIELD_KEYS = ("key", "field", "name", "path", "column_name", "columnName")
_NAME = aliases("name", "embedding_name", "embeddingName", "template_name", "templateName")
_FIELD_OPTIONS = aliases("field_options", "fieldOptions")
_TEMPLATE_ID = aliases("template_id", "templateId")
_SEARCH_PARAMS = aliases("search_params", "searchParams")
_FILTERS = aliases("structured_filters", "structuredFilters", "filters")


def _engine(env: PrepareEnv) -> EmbeddingEngine:
    return engine_for(env.rt.settings, env.rt.db)


def _field_options(value: Any) -> dict[str, Any]:
    """``{path: options}``, or the list form ``[{key|field|name|path|column_name, searchable, ...}]``."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for i, item in enumerate(value):
            key = next((item[k] for k in _FIELD_KEYS if isinstance(item, dict) and item.get(k)), None)
            if not isinstance(key, str):
                raise ValueError(f"field_options[{i}] names no field (key, field, name or path)")
            out[key] = {k: v for k, v in item.items() if k not in _FIELD_KEYS}
        return out
    raise ValueError("field_options must be an object or a list")


class ExternalUser(RequestBody):
    provider: str | None = Field(None, max_length=100)
    external_user_id: str | None = Field(None, max_length=200, validation_alias=aliases(
        "external_user_id", "externalUserId"))
    unique_key: str | None = Field(None, max_length=300, validation_alias=aliases("unique_key", "uniqueKey"))

    @model_validator(mode="after")
    def _identified(self) -> ExternalUser:
        if not (self.external_user_id or self.unique_key):
            raise ValueError("external_user needs external_user_id or unique_key")
        return self


class OwnedBody(RequestBody):
    """A body that may act for one external user of the account."""

    external_user: ExternalUser | None = Field(None, validation_alias=aliases("external_user", "externalUser"))

    def owner(self, account_id: str) -> str:
        ext = self.external_user
        return owner_key(account_id, ext.provider, ext.external_user_id or ext.unique_key) if ext else account_id


class CreateEmbeddingRequest(OwnedBody):
    """``create_embedding`` (records or urls), ``create_embedding_from_url`` and
    ``generate_embeddings_from_plain_text`` (plain text in any of the SDK's spellings)."""

    name: str = Field("embedding", max_length=200, validation_alias=_NAME)
    records: list[dict[str, Any]] | None = Field(None, max_length=MAX_RECORDS)
    urls: list[str] | None = Field(None, max_length=MAX_PAGES)
    levels: int = Field(2, ge=1, le=3, description="crawl depth: 1 = the URLs, 2 = one link hop, 3 = two")
    plain_text: list[dict[str, Any]] | None = Field(None, max_length=MAX_RECORDS)
    field_options: dict[str, Any] = Field(default_factory=dict, validation_alias=_FIELD_OPTIONS)

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        url = data.pop("url", None)
        if isinstance(data.get("urls"), str):
            data["urls"] = [data["urls"]]
        text_in = next((data.pop(k) for k in _PLAIN_TEXT_KEYS if data.get(k) is not None), None)
        top = next((data.get(k) for k in _CONTENT_KEYS[2:] if isinstance(data.get(k), str)), None)
        if text_in is None and top is not None:  # one document given at the top level
            text_in = {"content": top, "url": url, "title": data.get("title")}
            url = None
        if text_in is not None:
            data["plain_text"] = [_document(t) for t in (text_in if isinstance(text_in, list) else [text_in])]
        if url and not data.get("urls"):
            data["urls"] = [url]
        return data

    @field_validator("field_options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> dict[str, Any]:
        return _field_options(value)


class ExternalCreateEmbeddingRequest(CreateEmbeddingRequest):
    """``/v1/external_users/generate_embeddings_from_plain_text``: the template belongs to this external user."""

    external_user: ExternalUser = Field(..., validation_alias=aliases("external_user", "externalUser"))


def _document(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"content": entry}
    if isinstance(entry, dict):
        content = next((entry[k] for k in _CONTENT_KEYS if isinstance(entry.get(k), str)), "")
        return {"content": content, "url": entry.get("url"), "title": entry.get("title") or entry.get("description")}
    raise ValueError("each plain_text entry must be a string or an object with content")


class UpdateEmbeddingRequest(OwnedBody):
    template_id: str = Field(..., min_length=1, max_length=64, validation_alias=_TEMPLATE_ID)
    records: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_RECORDS)
    field_options: dict[str, Any] = Field(default_factory=dict, validation_alias=_FIELD_OPTIONS)

    @field_validator("field_options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> dict[str, Any]:
        return _field_options(value)


class SearchEmbeddingRequest(OwnedBody):
    """``search_against_embedding(s)`` (``search_term``) and ``similar_to_embedding`` (``search_json`` or a term)."""

    template_id: str = Field(..., min_length=1, max_length=64, validation_alias=_TEMPLATE_ID)
    search_term: str | None = Field(None, max_length=10_000, validation_alias=aliases(
        "search_term", "searchTerm", "query"))
    search_json: dict[str, Any] | None = Field(None, validation_alias=aliases(
        "search_json", "searchJson", "search_record", "searchRecord"))
    search_params: dict[str, Any] | None = Field(None, validation_alias=_SEARCH_PARAMS)
    structured_filters: dict[str, Any] | None = Field(None, validation_alias=_FILTERS)
    rerank: bool = False
    limit: int = Field(10, ge=1, le=MAX_LIMIT)


class ExternalEmbeddingsRequest(RequestBody):
    input: list[str] = Field(..., min_length=1, max_length=MAX_RAW_INPUTS)
    model: str | None = Field(None, max_length=200)
    dimensions: int | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


# -- stored inputs -----------------------------------------------------------------------------------------------


class EmbeddingCreateJob(JobInput):
    template_id: str
    owner: str
    name: str
    field_options: dict[str, Any]
    source: Literal["records", "plain_text", "url"]
    records: list[dict[str, Any]] = Field(default_factory=list)  # records, or {url, title, content} documents
    urls: list[str] = Field(default_factory=list)
    levels: int = 2
    max_pages: int = MAX_PAGES
    tokens: int = 0


class EmbeddingUpdateJob(JobInput):
    template_id: str
    owner: str
    records: list[dict[str, Any]]
    field_options: dict[str, Any]
    tokens: int


class EmbeddingSearchJob(JobInput):
    template_id: str
    owner: str
    search_term: str | None
    search_json: dict[str, Any] | None
    search_params: dict[str, Any] | None
    structured_filters: dict[str, Any] | None
    rerank: bool
    limit: int
    tokens: int


class RawEmbeddingsJob(JobInput):
    inputs: list[str]
    tokens: int


# -- stages ------------------------------------------------------------------------------------------------------


def _index(ctx: StageContext[EmbeddingCreateJob]) -> StageOutput:
    job = ctx.job
    crawled = ctx.maybe_output(CrawlOutput)
    if crawled is not None:
        return embed_crawled(ctx.env, template_id=job.template_id, owner=job.owner, name=job.name,
                             field_options=job.field_options, crawled=crawled, input_url_count=len(job.urls),
                             levels=job.levels, max_pages=job.max_pages)
    return embed_into_template(ctx.env, template_id=job.template_id, owner=job.owner, name=job.name,
                               field_options=job.field_options, source=job.source, records=job.records)


def _crawl(ctx: StageContext[EmbeddingCreateJob]) -> StageOutput:
    job = ctx.job
    return crawl_site(ctx.env, template_id=job.template_id, owner=job.owner, name=job.name,
                      field_options=job.field_options, urls=job.urls, levels=job.levels, max_pages=job.max_pages)


def _update(ctx: StageContext[EmbeddingUpdateJob]) -> StageOutput:
    job = ctx.job
    return update_template(ctx.env, template_id=job.template_id, owner=job.owner, records=job.records,
                           field_options=job.field_options)


def _search(ctx: StageContext[EmbeddingSearchJob]) -> StageOutput:
    job = ctx.job
    return search_template(ctx.env, template_id=job.template_id, owner=job.owner, search_term=job.search_term,
                           search_json=job.search_json, search_params=job.search_params,
                           structured_filters=job.structured_filters, rerank=job.rerank, limit=job.limit)


def _raw(ctx: StageContext[RawEmbeddingsJob]) -> StageOutput:
    return raw_embeddings(ctx.env, inputs=ctx.job.inputs)


CRAWL_STAGE = StageDef[EmbeddingCreateJob]("embedding_crawl", _crawl, queue="io")
INDEX_STAGE = StageDef[EmbeddingCreateJob]("embedding_index", _index)


def template_id_for(request_id: str) -> str:
    """A creation's template id follows from its request id, so a template still queued can be traced."""
    return "emb_" + request_id.removeprefix("emb_req_")


def request_id_for(template_id: str) -> str:
    return "emb_req_" + template_id.removeprefix("emb_")


def _tokens(eng: EmbeddingEngine, passages: Sequence[Sequence[str]]) -> int:
    return eng.provider.count_tokens([t for chunks in passages for t in chunks])


class CreateEmbedding(
    JobKind[CreateEmbeddingRequest, EmbeddingCreateJob], case_type="embedding_create", media_type="embedding",
    id_prefix="emb_req"
):
    input_model = EmbeddingCreateJob

    def __init__(self, default_source: Literal["records", "plain_text", "url"] | None = None) -> None:
        self.default_source = default_source  # which input a route insists on

    def prepare(self, body: CreateEmbeddingRequest, env: PrepareEnv) -> Prepared[EmbeddingCreateJob]:
        request_id = new_id(self.id_prefix)
        common: dict[str, Any] = {"template_id": template_id_for(request_id), "owner": body.owner(env.account_id),
                                  "name": body.name, "field_options": body.field_options}
        source = self._source(body)
        eng = _engine(env)
        if source == "url":
            urls = [u.strip() for u in body.urls or [] if u.strip()]
            if not urls:
                raise BadRequest("urls must list at least one URL.", field="urls")
            job = EmbeddingCreateJob(**common, source="url", urls=urls, levels=body.levels,
                                     max_pages=MAX_PAGES if body.levels > 1 else min(len(urls), MAX_PAGES))
        elif source == "plain_text":
            documents = body.plain_text or []
            job = EmbeddingCreateJob(**common, source="plain_text", records=documents,
                                     tokens=_tokens(eng, document_passages(documents)[1]))
        else:
            records = body.records or []
            job = EmbeddingCreateJob(**common, source="records", records=records,
                                     tokens=_tokens(eng, record_passages(body.field_options, records)[1]))
        return Prepared(job, response_extra={"template_id": job.template_id, "source": source},
                        request_id=request_id)

    def _source(self, body: CreateEmbeddingRequest) -> Literal["records", "plain_text", "url"]:
        given = [s for s, v in (("records", body.records), ("url", body.urls), ("plain_text", body.plain_text))
                 if v]
        wanted = self.default_source
        if wanted and wanted not in given:
            field = {"url": "urls", "plain_text": "plain_text", "records": "records"}[wanted]
            raise BadRequest(f"{field} is required on this route and must not be empty.", field=field)
        if not wanted and len(given) != 1:
            raise BadRequest("give exactly one of records, urls or plain_text (non-empty).", field="records")
        return wanted or given[0]  # type: ignore[return-value]

    def plan(self, job: EmbeddingCreateJob) -> Plan[EmbeddingCreateJob]:
        return [[CRAWL_STAGE], [INDEX_STAGE]] if job.source == "url" else [[INDEX_STAGE]]

    def stage_defs(self) -> Sequence[StageDef[EmbeddingCreateJob]]:
        return [CRAWL_STAGE, INDEX_STAGE]

    def price(self, job: EmbeddingCreateJob, prices: PriceTable) -> int:
        if job.source == "url":
            return embedding_charge(HOLD_TOKENS_PER_PAGE * job.max_pages, "url", job.max_pages, prices).credits
        return embedding_charge(job.tokens, job.source, prices=prices).credits


class EmbeddingStageKind(SingleStageKind[BodyT, InputT], media_type="embedding"):
    """A one-stage kind whose requests are embedding requests (``/v1/embeddings/...`` status and list)."""


class UpdateEmbedding(
    EmbeddingStageKind[UpdateEmbeddingRequest, EmbeddingUpdateJob], case_type="embedding_update", id_prefix="emb_upd"
):
    only_stage = StageDef[EmbeddingUpdateJob]("embedding_update", _update)

    def prepare(self, body: UpdateEmbeddingRequest, env: PrepareEnv) -> Prepared[EmbeddingUpdateJob]:
        eng = _engine(env)
        owner = body.owner(env.account_id)
        tpl = eng.template(owner, body.template_id)
        passages = record_passages({**tpl.field_options, **body.field_options}, body.records)[1]
        return Prepared(EmbeddingUpdateJob(template_id=tpl.template_id, owner=owner, records=body.records,
                                           field_options=body.field_options, tokens=_tokens(eng, passages)),
                        response_extra={"template_id": tpl.template_id})

    def price(self, job: EmbeddingUpdateJob, prices: PriceTable) -> int:
        return embedding_charge(job.tokens, "records", prices=prices).credits


class SearchEmbedding(
    EmbeddingStageKind[SearchEmbeddingRequest, EmbeddingSearchJob], case_type="embedding_search", id_prefix="emb_q"
):
    only_stage = StageDef[EmbeddingSearchJob]("embedding_search", _search, queue="io")

    def __init__(self, similar: bool = False) -> None:
        self.similar = similar

    def prepare(self, body: SearchEmbeddingRequest, env: PrepareEnv) -> Prepared[EmbeddingSearchJob]:
        eng = _engine(env)
        owner = body.owner(env.account_id)
        tpl = eng.template(owner, body.template_id)
        build_filters(body.search_params, body.structured_filters, tpl.filterable)  # 400 before any charge
        search_json = body.search_json if self.similar else None
        if search_json is not None:
            query = prepare_record(search_json, tpl.rules, fallback_id="query").text
            if not query.strip():
                raise BadRequest("search_json has no searchable fields.", field="search_json")
        else:
            query = body.search_term or ""
            if not query.strip():
                field = "search_term or search_json" if self.similar else "search_term"
                raise BadRequest(f"{field} is required.", field="search_term")
        job = EmbeddingSearchJob(template_id=tpl.template_id, owner=owner, search_term=body.search_term,
                                 search_json=search_json, search_params=body.search_params,
                                 structured_filters=body.structured_filters, rerank=body.rerank, limit=body.limit,
                                 tokens=eng.provider.count_tokens([query]))
        return Prepared(job)

    def price(self, job: EmbeddingSearchJob, prices: PriceTable) -> int:
        return embedding_charge(job.tokens, "search", prices=prices).credits


class RawEmbeddings(
    EmbeddingStageKind[ExternalEmbeddingsRequest, RawEmbeddingsJob], case_type="embedding_vectors", id_prefix="emb_vec"
):
    only_stage = StageDef[RawEmbeddingsJob]("embedding_vectors", _raw, queue="io")

    def prepare(self, body: ExternalEmbeddingsRequest, env: PrepareEnv) -> Prepared[RawEmbeddingsJob]:
        provider = _engine(env).provider
        if body.dimensions is not None and body.dimensions != provider.dim:
            raise BadRequest(f"dimensions: this deployment's model ({provider.name}) returns {provider.dim}.",
                             field="dimensions")
        if any(not t.strip() for t in body.input):
            raise BadRequest("input must not contain empty strings.", field="input")
        return Prepared(RawEmbeddingsJob(inputs=body.input, tokens=provider.count_tokens(body.input)))

    def price(self, job: RawEmbeddingsJob, prices: PriceTable) -> int:
        return embedding_charge(job.tokens, "records", prices=prices).credits


CREATE_EMBEDDING = register(CreateEmbedding())
UPDATE_EMBEDDING = register(UpdateEmbedding())
SEARCH_EMBEDDING = register(SearchEmbedding())
RAW_EMBEDDINGS = register(RawEmbeddings())
# The same kinds, insisting on one input or reading search_json: what the route-specific entry points need.
CREATE_FROM_URL = CreateEmbedding("url")
CREATE_FROM_PLAIN_TEXT = CreateEmbedding("plain_text")
SIMILAR_EMBEDDING = SearchEmbedding(similar=True)
