"""The gallery over published sessions (``/v2/gallery/*``): search, recommendations, view events, index sync and
status (core/gallery.py)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from reelforge.api.deps import PrincipalDep, RuntimeDep
from reelforge.core import gallery
from reelforge.core.principals import Principal
from reelforge.jobs.body import RequestBody, aliases

router = APIRouter(tags=["gallery"])

Format = Literal["landscape", "portrait", "square"]
_PUBLICATION = aliases("publication_id", "publicationId", "video_id", "videoId")
_VIEWER = aliases("viewer_id", "viewerId")


class GallerySearch(RequestBody):
    query: str = Field(..., min_length=1, max_length=2000, validation_alias=aliases("query", "search_term",
                                                                                     "searchTerm", "q"))
    limit: int = Field(20, ge=1, le=100)
    format: Format | None = None


class GalleryRecommendations(RequestBody):
    viewer_id: str | None = Field(None, max_length=200, validation_alias=_VIEWER)
    publication_id: str | None = Field(None, max_length=100, validation_alias=_PUBLICATION)
    limit: int = Field(20, ge=1, le=100)
    format: Format | None = None
    exclude_ids: list[str] = Field(default_factory=list, max_length=500,
                                   validation_alias=aliases("exclude_ids", "excludeIds"))


class GalleryView(RequestBody):
    publication_id: str = Field(..., min_length=1, max_length=100, validation_alias=_PUBLICATION)
    viewer_id: str | None = Field(None, max_length=200, validation_alias=_VIEWER)
    event_type: Literal["view", "progress", "complete"] = Field(
        "view", validation_alias=aliases("event_type", "eventType"))
    watch_time_ms: int | None = Field(None, ge=0, le=86_400_000, validation_alias=aliases("watch_time_ms",
                                                                                          "watchTimeMs"))
    duration_ms: int | None = Field(None, ge=0, le=86_400_000, validation_alias=aliases("duration_ms", "durationMs"))


class GallerySync(RequestBody):
    force: bool = False


def _viewer(principal: Principal, viewer_id: str | None) -> str:
    """Whose views these are: the platform's own viewer id, kept apart per account, else the caller."""
    if viewer_id:
        return f"{principal.account_id}|viewer:{viewer_id}"
    user = principal.external_user_id
    return f"{principal.account_id}|ext:{user}" if user else principal.account_id


@router.post("/v2/gallery/search", summary="Search published videos by what they show and say (free)")
def search(body: GallerySearch, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    items = gallery.search(rt, body.query, body.limit, body.format)
    return {"query": body.query, "items": items, "total": len(items)}


@router.post("/v2/gallery/recommendations",
             summary="Published videos like the one watched, from the viewer's history, or popular now (free)")
def recommendations(body: GalleryRecommendations, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    items, reason, personalized = gallery.recommendations(
        rt, _viewer(principal, body.viewer_id), body.publication_id, body.limit, body.format, set(body.exclude_ids))
    return {"items": items, "reason": reason, "personalized": personalized}


@router.post("/v2/gallery/events/view", summary="Record a view, watch-time progress or completed view (free)")
def view(body: GalleryView, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    event = gallery.ViewEvent(body.publication_id, _viewer(principal, body.viewer_id), body.event_type,
                              body.watch_time_ms, body.duration_ms)
    return gallery.record_view(rt, event)


@router.post("/v2/gallery/sync", summary="Index publications changed since they were last indexed (force: all)")
def sync(body: GallerySync, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return gallery.sync(rt, force=body.force)


@router.post("/v2/gallery/publications/update_embeddings",
             summary="As /v2/gallery/sync, only when the last sync is at least an hour old (or force)")
def update_embeddings(body: GallerySync, rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return gallery.sync(rt, force=body.force, only_if_stale=True)


@router.get("/v2/gallery/status", summary="The gallery index: model, publications indexed, last sync")
def status(rt: RuntimeDep, principal: PrincipalDep) -> dict[str, Any]:
    return gallery.status(rt)
