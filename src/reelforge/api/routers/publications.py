"""``/v1/publications/*`` (samsar-js ``publishPublication``, ``editPublication``, ``revokePublication``), the
external-user variant ``/v1/external_users/publish``, the public feed ``GET /v1/publications/feed`` and the same
feed as interactive publications (``/v1/interactive_publications``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from reelforge.api.deps import ActingDep, ExternalDep, RuntimeDep
from reelforge.core import gallery, ledger, publications
from reelforge.core.principals import Principal
from reelforge.db.models import Publication
from reelforge.jobs.body import RequestBody, aliases
from reelforge.pipeline.submit import credit_headers
from reelforge.runtime import Runtime

router = APIRouter(tags=["publications"])


class PublicationBody(RequestBody):
    """The session to publish and any of the SDK's ``SessionPublicationInput`` fields (kept as sent)."""

    model_config = ConfigDict(extra="allow")

    session_id: str = Field(..., min_length=1, max_length=100, validation_alias=aliases(
        "session_id", "sessionId", "sessionID", "video_session_id", "videoSessionId", "request_id", "id"))
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | str | None = None

    def fields(self) -> dict[str, Any]:
        return {**(self.model_extra or {}), "title": self.title, "description": self.description, "tags": self.tags}


def _answer(rt: Runtime, principal: Principal, row: Publication) -> JSONResponse:
    """Free, and says so: ``x-credits-charged: 0`` and the caller's balance, as every billed route's answer.
    The gallery takes the publication as it is now before the answer goes out."""
    gallery.index_now(rt, row.id)
    body = publications.payload(row)
    remaining = ledger.balance(rt.db, principal.account_id, principal.external_user_id)
    return JSONResponse({"publication": body, **body}, headers=credit_headers(0, remaining))


@router.post("/v1/publications/publish", summary="Publish a completed session to the public feed (free)")
def publish(body: PublicationBody, rt: RuntimeDep, principal: ActingDep) -> JSONResponse:
    return _answer(rt, principal, publications.publish(rt.db, principal.owner, body.session_id, body.fields()))


@router.post("/v1/external_users/publish", summary="Publish an external user's completed request (free)")
def publish_external(body: PublicationBody, rt: RuntimeDep, principal: ExternalDep) -> JSONResponse:
    return _answer(rt, principal, publications.publish(rt.db, principal.owner, body.session_id, body.fields()))


@router.post("/v1/publications/edit", summary="Edit a publication; omitted fields keep their values (free)")
def edit(body: PublicationBody, rt: RuntimeDep, principal: ActingDep) -> JSONResponse:
    return _answer(rt, principal, publications.edit(rt.db, principal.owner, body.session_id, body.fields()))


@router.post("/v1/publications/revoke", summary="Take a session off the public feed (free)")
def revoke(body: PublicationBody, rt: RuntimeDep, principal: ActingDep) -> dict[str, Any]:
    gallery.remove(rt, publications.revoke(rt.db, principal.owner, body.session_id))
    return {"session_id": body.session_id, "revoked": True}


Cursor = Annotated[str | None, Query(max_length=200)]


def _page(rt: Runtime, limit: int, cursor: str | None, key: str,
          shape: Callable[[Publication], dict[str, Any]]) -> dict[str, Any]:
    rows, next_cursor = publications.feed(rt.db, limit, cursor)
    return {key: [shape(r) for r in rows], "nextCursor": next_cursor, "hasMore": next_cursor is not None}


@router.get("/v1/publications/feed", summary="The public feed, newest first (no auth; cursor pagination)")
def feed(rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=100)] = 20, cursor: Cursor = None) -> dict[str, Any]:
    return _page(rt, limit, cursor, "publications", publications.payload)


@router.get("/v1/interactive_publications", summary="The feed as interactive publications (no auth)")
def list_interactive(rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                     cursor: Cursor = None) -> dict[str, Any]:
    return _page(rt, limit, cursor, "items", publications.interactive_payload)


@router.get("/v1/interactive_publications/{publication_id}", summary="One interactive publication (no auth)")
def get_interactive(publication_id: str, rt: RuntimeDep) -> dict[str, Any]:
    return {"publication": publications.interactive_payload(publications.get(rt.db, publication_id))}
