"""``/v1/chat/*`` embeddings routes (samsar-js ``createEmbedding`` … ``getEmbeddingStatus``), the external-user
plain-text variant and ``/v2/external/embeddings``.

Creation and update are jobs answered when done (a 202 with the request id and ``template_id`` if a worker did not
finish within ``sync_wait_s``; ``embedding_status`` then reports pages fetched / records embedded). Searches are
charged per query token and run in this process (``JobCall.run_now``): milliseconds, no queue hop. Listing,
status and deletes are free and call the engine directly. Any other owner's template is a 404 everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from reelforge.api.deps import ActingDep, RuntimeDep
from reelforge.api.job_routes import JobRoute, add_job_routes
from reelforge.core import ledger, requests
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.principals import Principal
from reelforge.jobs.body import aliases
from reelforge.jobs.embeddings import (
    CREATE_EMBEDDING,
    CREATE_FROM_PLAIN_TEXT,
    CREATE_FROM_URL,
    RAW_EMBEDDINGS,
    SEARCH_EMBEDDING,
    SIMILAR_EMBEDDING,
    UPDATE_EMBEDDING,
    CreateEmbeddingRequest,
    ExternalCreateEmbeddingRequest,
    ExternalEmbeddingsRequest,
    OwnedBody,
    SearchEmbeddingRequest,
    UpdateEmbeddingRequest,
    request_id_for,
)
from reelforge.pipeline.submit import credit_headers
from reelforge.runtime import Runtime
from reelforge.search.engine import EmbeddingEngine, owner_key
from reelforge.search.service import engine_for
from reelforge.stages.embeddings import template_body

router = APIRouter(prefix="/v1", tags=["embeddings"])
v2 = APIRouter(prefix="/v2", tags=["embeddings"])

_CREATE_FIELDS = ("records", "urls", "plain_text")
_ID_KEYS = ("source_id", "sourceId", "id", "record_id", "recordId")
_IDS_KEYS = ("source_ids", "sourceIds", "ids", "record_ids", "recordIds")


def _engine(rt: Runtime) -> EmbeddingEngine:
    return engine_for(rt.settings, rt.db)


# -- creation, update, search (jobs) -----------------------------------------------------------------------------


add_job_routes(
    router,
    [
        JobRoute(
            "/chat/create_embedding",
            CREATE_EMBEDDING,
            CreateEmbeddingRequest,
            "A template from JSON records (or urls + levels): input tokens at $1/M",
            answer="when_done",
            input_fields=_CREATE_FIELDS,
        ),
        JobRoute(
            "/chat/create_embedding_from_url",
            CREATE_FROM_URL,
            CreateEmbeddingRequest,
            "Crawl urls (levels 1-3, ≤ 50 pages) into a template: per page + tokens × 2.5",
            answer="when_done",
            input_fields=_CREATE_FIELDS,
        ),
        JobRoute(
            "/chat/generate_embeddings_from_plain_text",
            CREATE_FROM_PLAIN_TEXT,
            CreateEmbeddingRequest,
            "A template from cleaned plain text: tokens × 2.5",
            answer="when_done",
            input_fields=_CREATE_FIELDS,
        ),
        JobRoute(
            "/external_users/generate_embeddings_from_plain_text",
            CREATE_FROM_PLAIN_TEXT,
            ExternalCreateEmbeddingRequest,
            "Plain text into a template owned by one external user of the account: tokens × 2.5",
            answer="when_done",
            input_fields=_CREATE_FIELDS,
            external=True,
        ),
        JobRoute(
            "/chat/update_embedding",
            UPDATE_EMBEDDING,
            UpdateEmbeddingRequest,
            "Add or replace records (by id) in a template: input tokens at $1/M",
            answer="when_done",
            input_fields=("records",),
        ),
        JobRoute(
            "/chat/search_against_embedding",
            SEARCH_EMBEDDING,
            SearchEmbeddingRequest,
            "Search a template: query tokens at $1/M",
            answer="now",
            aliases=("/chat/search_against_embeddings",),
        ),
        JobRoute(
            "/chat/similar_to_embedding",
            SIMILAR_EMBEDDING,
            SearchEmbeddingRequest,
            "Records like search_json (or a term): query tokens at $1/M",
            answer="now",
        ),
    ],
)
add_job_routes(
    v2,
    [
        JobRoute(
            "/external/embeddings",
            RAW_EMBEDDINGS,
            ExternalEmbeddingsRequest,
            "OpenAI-style raw embedding vectors: input tokens at $1/M",
            answer="now",
        )
    ],
)


# -- free: delete, status, listing -------------------------------------------------------------------------------


class DeleteEmbeddingRequest(OwnedBody):
    template_id: str = Field(..., min_length=1, max_length=64, validation_alias=aliases("template_id", "templateId"))
    source_ids: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: Any) -> Any:
        """Every spelling the SDK's ``DeleteEmbeddingRequest`` allows, as one list."""
        if not isinstance(data, dict):
            return data
        ids = [str(data[k]) for k in _ID_KEYS if data.get(k) not in (None, "")]
        for key in _IDS_KEYS:
            if isinstance(data.get(key), list):
                ids += [str(v) for v in data[key]]
        return {**data, "source_ids": ids or None}


def _owner(principal: Principal) -> str:
    """The template owner key of the caller (an external user's templates are keyed by their identity)."""
    user = principal.external_user
    if user is None:
        return principal.account_id
    return owner_key(principal.account_id, user.provider or None, user.external_user_id)


def _deleted(principal: Principal, rt: Runtime, body: DeleteEmbeddingRequest,
             source_ids: list[str] | None) -> JSONResponse:
    """Free: the answer carries ``x-credits-charged: 0`` and the balance, as every billed route's does."""
    eng = _engine(rt)
    owner = _owner(principal)
    # samsar-js deletes "all embeddings for a template" and may then delete single records of it: the
    # template stays, empty, as the hosted API's record_count in the answer implies.
    removed = eng.delete(owner, body.template_id, source_ids, keep_template=True)
    left = eng.find(body.template_id)
    remaining = ledger.balance(rt.db, principal.account_id, principal.external_user_id)
    answer = {"template_id": body.template_id, "deleted_count": removed, "deleted_ids": source_ids or [],
              "record_count": left.record_count if left else 0, "status": "deleted", "creditsCharged": 0,
              "remainingCredits": remaining}
    return JSONResponse(answer, headers=credit_headers(0, remaining))


@router.post("/chat/delete_embeddings", summary="Delete all of a template's embeddings (free)")
def delete_embeddings(body: DeleteEmbeddingRequest, rt: RuntimeDep, principal: ActingDep) -> JSONResponse:
    return _deleted(principal, rt, body, None)


@router.post("/chat/delete_embedding", summary="Delete records by source id; gone from results at once (free)")
def delete_embedding(body: DeleteEmbeddingRequest, rt: RuntimeDep, principal: ActingDep) -> JSONResponse:
    if not body.source_ids:
        raise BadRequest("source_id (or source_ids) is required.", field="source_id")
    return _deleted(principal, rt, body, body.source_ids)


ExternalUserId = Annotated[str | None, Query(description="act for this external user of the account")]
Provider = Annotated[str | None, Query(description="the external user's provider")]


@router.get("/chat/embedding_status", summary="Whether a template has embeddings, and a creation's progress (free)")
def embedding_status(rt: RuntimeDep, principal: ActingDep, template_id: Annotated[str | None, Query()] = None,
                     external_user_id: ExternalUserId = None, provider: Provider = None) -> dict[str, Any]:
    owner = _owner(principal)
    eng = _engine(rt)
    tpl = eng.find(template_id) if template_id else None
    if tpl is not None and tpl.owner == owner:
        return {**template_body(tpl), "has_embeddings": tpl.record_count > 0, "request_id": tpl.request_id,
                "error": tpl.error}
    if tpl is None and template_id:
        # Not created yet: its creating request may still be queued (the template id names it).
        try:
            req = requests.get_owned(rt.db, principal.owner, request_id_for(template_id))
        except NotFound:
            req = None
        state = {"PENDING": "queued", "FAILED": "failed", "CANCELLED": "failed"}.get(req.status if req else "")
        # A completed creation without its template: the template was deleted since.
        if req is not None and state and req.case_type == CREATE_EMBEDDING.case_type \
                and req.input.get("owner") == owner:
            return {"template_id": template_id, "has_embeddings": False, "record_count": 0, "status": state,
                    "request_id": req.id, "error": req.error, "progress": {}}
    raise NotFound("No embedding template with this id.", field="template_id")


@router.get("/chat/embedding_templates", summary="The caller's embedding templates (free)")
def embedding_templates(rt: RuntimeDep, principal: ActingDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        offset: Annotated[int, Query(ge=0)] = 0, external_user_id: ExternalUserId = None,
                        provider: Provider = None) -> dict[str, Any]:
    found, total = _engine(rt).templates(_owner(principal), limit, offset)
    return {"templates": [template_body(t) for t in found],
            "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": offset + len(found) < total}}
