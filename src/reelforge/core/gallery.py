"""The gallery: published sessions found by what they show and say, recommendations, and view events.

Each publication is one record of a single gallery template in the embeddings engine (search/engine.py). The
template is owned by :data:`GALLERY_OWNER`, a key no account id or external-user owner key can be, so no
account's own template routes ever reach it. A record's text is the publication's title, description, tags and
prompt plus the session's own words (its scene titles and narration); its filterable fields are the video's
format and language. Publishing or editing indexes the publication at once and revoking removes it at once; a
publication the index could not take then (``indexed_at`` older than ``updated_at``) is taken by the next sync.
Hits are always read back through the publications table, so a revoked publication never comes back.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from reelforge.core.errors import NotFound
from reelforge.db.models import GalleryView, Publication, Request, utcnow, wire_time
from reelforge.runtime import Runtime
from reelforge.search.engine import EmbeddingEngine
from reelforge.search.service import engine_for
from reelforge.sessions.store import latest_document

log = logging.getLogger("reelforge.gallery")

GALLERY_OWNER = "@gallery"  # account ids are generated ids and owner keys start with one: never "@…"
TEMPLATE_ID = "gallery_publications"
EMBEDDING_VERSION = "gallery.v1"  # what a record holds; a change here means a forced sync
REFRESH_INTERVAL = timedelta(hours=1)  # /v2/gallery/publications/update_embeddings runs at most this often
VIEW_WINDOW = timedelta(minutes=30)  # one viewer's views of one publication within it count once
POPULAR_WINDOW = timedelta(days=7)
HISTORY = 5  # recent views a watch-history recommendation is drawn from
ENGAGEMENT_WEIGHT = 0.05  # score × (1 + w·ln(1 + views)): relevance first, popularity breaks near-ties

FIELD_OPTIONS: dict[str, Any] = {
    **{name: {"searchable": True, "filterable": False, "retrievable": False}
       for name in ("title", "description", "tags", "prompt", "words")},
    "format": {"searchable": False, "filterable": True},
    "language": {"searchable": False, "filterable": True},
}

_sync_lock = threading.Lock()


def video_format(aspect_ratio: str | None) -> str | None:
    """``16:9`` → landscape, ``9:16`` → portrait, ``1:1`` → square (samsar-js ``GalleryVideoFormat``)."""
    try:
        w, h = (float(x) for x in str(aspect_ratio).split(":"))
    except ValueError:
        return None
    return "square" if w == h else "landscape" if w > h else "portrait"


def _engine(rt: Runtime) -> EmbeddingEngine:
    eng = engine_for(rt.settings, rt.db)
    eng.create_template(GALLERY_OWNER, "Gallery publications", FIELD_OPTIONS, template_id=TEMPLATE_ID)
    return eng


@dataclass(frozen=True)
class _Session:
    prompt: str
    words: str
    poster_url: str | None
    aspect_ratio: str | None
    language: str | None


def _session(rt: Runtime, session_id: str) -> _Session:
    """What the published session says and shows: its prompt, scene titles and narration, first still."""
    with rt.db.session() as s:
        req = s.get(Request, session_id)
    found = latest_document(rt, session_id)
    prompt = str((req.input or {}).get("prompt") or "") if req is not None else ""
    result = req.result if req is not None and req.result else {}
    if found is None:
        return _Session(prompt, "", None, result.get("aspect_ratio"), result.get("result_language"))
    doc, _ = found
    words = "\n".join(t for layer in doc.layers for t in (layer.title, layer.narration) if t)
    still = next((layer.clip for layer in doc.layers if layer.clip_type == "image"), None)
    return _Session(prompt, words, rt.blobs.url(still) if still else None, doc.aspect_ratio, doc.language)


def _record(row: Publication, facts: _Session) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "description": row.description, "tags": list(row.tags),
            "prompt": str(row.details.get("original_prompt") or facts.prompt), "words": facts.words,
            "format": video_format(row.details.get("aspect_ratio") or facts.aspect_ratio),
            "language": row.details.get("session_language") or facts.language}


def index(rt: Runtime, publication_ids: Sequence[str]) -> int:
    """Embed these publications into the gallery (replacing their old vectors); how many were indexed."""
    with rt.db.session() as s:
        rows = list(s.scalars(select(Publication).where(Publication.id.in_(list(publication_ids)))))
    if not rows:
        return 0
    started = utcnow()
    facts = {row.id: _session(rt, row.session_id) for row in rows}
    _engine(rt).add_records(GALLERY_OWNER, TEMPLATE_ID, [_record(row, facts[row.id]) for row in rows])
    with rt.db.session() as s:
        for row in rows:
            # updated_at set to itself: marking the publication indexed is not an edit of it.
            s.execute(update(Publication).where(Publication.id == row.id).values(
                indexed_at=started, poster_url=facts[row.id].poster_url, updated_at=Publication.updated_at))
    return len(rows)


def index_now(rt: Runtime, publication_id: str) -> None:
    """Index one publication as it is published or edited; on failure it stays stale for the next sync."""
    try:
        index(rt, [publication_id])
    except Exception:
        log.exception("gallery: could not index %s now; the next sync will", publication_id)


def remove(rt: Runtime, publication_id: str) -> None:
    """Take a revoked publication out of the index (hits are read back through the table regardless)."""
    try:
        _engine(rt).delete(GALLERY_OWNER, TEMPLATE_ID, [publication_id])
    except Exception:
        log.exception("gallery: could not remove %s from the index", publication_id)


# -- sync and status -------------------------------------------------------------------------------------------


def _stale_ids(rt: Runtime, force: bool) -> tuple[list[str], int]:
    with rt.db.session() as s:
        total = int(s.scalar(select(func.count()).select_from(Publication)) or 0)
        q = select(Publication.id)
        if not force:
            q = q.where(or_(Publication.indexed_at.is_(None), Publication.indexed_at < Publication.updated_at))
        return list(s.scalars(q)), total


def _last_sync(rt: Runtime) -> datetime | None:
    tpl = _engine(rt).find(TEMPLATE_ID)
    at = tpl.progress.get("last_sync_at") if tpl else None
    return datetime.fromisoformat(at) if at else None


def sync(rt: Runtime, *, force: bool = False, only_if_stale: bool = False) -> dict[str, Any]:
    """Index every publication changed since it was last indexed (all of them with ``force``). With
    ``only_if_stale`` nothing runs unless the last sync is at least :data:`REFRESH_INTERVAL` old."""
    last = _last_sync(rt)
    if only_if_stale and not force and last is not None and utcnow() - last < REFRESH_INTERVAL:
        stale_ids, total = _stale_ids(rt, False)
        return {**_header(rt, last), "status": "complete", "refreshed": False, "stale": False, "indexed": 0,
                "skipped": total, "failed": 0, "scanned": 0, "removed": 0, "totalAvailable": total,
                "pendingChanges": len(stale_ids)}
    if not _sync_lock.acquire(blocking=False):
        return {**_header(rt, last), "status": "already_running", "indexed": 0, "skipped": 0, "failed": 0}
    try:
        started = utcnow()
        ids, total = _stale_ids(rt, force)
        indexed = failed = 0
        for start in range(0, len(ids), 64):
            batch = ids[start:start + 64]
            try:
                indexed += index(rt, batch)
            except Exception:
                log.exception("gallery: a sync batch of %d failed", len(batch))
                failed += len(batch)
        done = utcnow()
        _engine(rt).update_state(TEMPLATE_ID, last_sync_at=done.isoformat(), last_sync={
            "indexed": indexed, "failed": failed, "startedAt": wire_time(started), "completedAt": wire_time(done)})
        return {**_header(rt, done), "status": "failed" if failed and not indexed else "complete",
                "refreshed": True, "stale": False, "indexed": indexed, "skipped": total - len(ids), "failed": failed,
                "scanned": len(ids), "removed": 0, "totalAvailable": total, "startedAt": wire_time(started),
                "completedAt": wire_time(done)}
    finally:
        _sync_lock.release()


def _header(rt: Runtime, last: datetime | None) -> dict[str, Any]:
    eng = _engine(rt)
    return {"database": "reelforge", "embeddingModel": eng.provider.name, "embeddingVersion": EMBEDDING_VERSION,
            "lastUpdatedAt": wire_time(last), "nextUpdateAt": wire_time(last + REFRESH_INTERVAL) if last else None}


def status(rt: Runtime) -> dict[str, Any]:
    last = _last_sync(rt)
    stale_ids, total = _stale_ids(rt, False)
    tpl = _engine(rt).find(TEMPLATE_ID)
    return {**_header(rt, last), "indexedPublications": total - len(stale_ids), "totalPublications": total,
            "stale": bool(stale_ids) or last is None or utcnow() - last >= REFRESH_INTERVAL,
            "refreshIntervalMs": int(REFRESH_INTERVAL.total_seconds() * 1000),
            "state": (tpl.progress.get("last_sync") if tpl else None)}


# -- reading ---------------------------------------------------------------------------------------------------


def _stats(rt: Runtime, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    with rt.db.session() as s:
        rows = s.execute(
            select(GalleryView.publication_id, func.sum(GalleryView.views), func.count(),
                   func.sum(GalleryView.watch_time_ms))
            .where(GalleryView.publication_id.in_(list(ids))).group_by(GalleryView.publication_id)
        ).all()
    found = {pid: {"views": int(v or 0), "uniqueViewers": int(u), "watchTimeMs": int(w or 0)} for pid, v, u, w in rows}
    return {pid: {"likes": 0, "comments": 0, "shares": 0, **found.get(pid, {"views": 0, "uniqueViewers": 0,
                                                                          "watchTimeMs": 0})} for pid in ids}


def result(row: Publication, stats: dict[str, int], score: float | None = None,
           reason: str | None = None) -> dict[str, Any]:
    """samsar-js ``GalleryPublicationResult``. Likes, comments and shares: reelforge has no such routes, so 0."""
    details = row.details
    return {"id": row.id, "publicationId": row.id, "sessionId": row.session_id, "videoUrl": row.video_url,
            "posterUrl": details.get("splash_image") or row.poster_url, "title": row.title,
            "description": row.description, "originalPrompt": details.get("original_prompt"),
            "creatorHandle": details.get("creator_handle"), "createdBy": details.get("creator_handle"),
            "tags": list(row.tags), "aspectRatio": details.get("aspect_ratio"),
            "createdAt": wire_time(row.created_at), "stats": stats, "viewerHasLiked": False,
            "score": None if score is None else round(score, 6), "recommendationReason": reason}


def _hydrate(rt: Runtime, scored: Sequence[tuple[str, float | None]], reason: str | None,
             exclude: set[str], limit: int, fmt: str | None = None) -> list[dict[str, Any]]:
    """Publications for scored ids, in order (by score with engagement when scored), revoked ones dropped."""
    ids = [pid for pid, _ in scored if pid not in exclude]
    with rt.db.session() as s:
        rows = {r.id: r for r in s.scalars(select(Publication).where(Publication.id.in_(ids)))}
    stats = _stats(rt, list(rows))
    out: list[tuple[float, dict[str, Any]]] = []
    for pid, score in scored:
        row = rows.get(pid)
        if row is None or pid in exclude or (fmt and video_format(row.details.get("aspect_ratio")) != fmt):
            continue
        ranked = None if score is None else score * (1 + ENGAGEMENT_WEIGHT * math.log1p(stats[pid]["views"]))
        out.append((ranked or 0.0, result(row, stats[pid], ranked, reason)))
    if any(score is not None for _, score in scored):
        out.sort(key=lambda pair: -pair[0])
    return [item for _, item in out[:limit]]


def _search_ids(rt: Runtime, text: str, limit: int, fmt: str | None) -> list[tuple[str, float | None]]:
    eng = _engine(rt)
    tpl = eng.find(TEMPLATE_ID)
    if tpl is None or tpl.record_count == 0:
        return []
    found = eng.search(GALLERY_OWNER, TEMPLATE_ID, text[:2000], structured_filters={"format": fmt} if fmt else None,
                       rerank=True, limit=min(limit, 100))
    return [(hit["source_id"], float(hit["score"])) for hit in found.results]


def search(rt: Runtime, query: str, limit: int, fmt: str | None) -> list[dict[str, Any]]:
    """Semantic search over the index, reranked lexically, with engagement breaking near-ties."""
    # A few more candidates than asked: hits of publications revoked meanwhile are dropped on the way out.
    return _hydrate(rt, _search_ids(rt, query, limit + 5, fmt), None, set(), limit)


def _text_of(rt: Runtime, row: Publication) -> str:
    """A publication as a query: what its publisher wrote about it, else what the session says."""
    written = [row.title, row.description, " ".join(row.tags), str(row.details.get("original_prompt") or "")]
    return "\n".join(filter(None, written)) or _session(rt, row.session_id).words


def recommendations(rt: Runtime, viewer_key: str, publication_id: str | None, limit: int, fmt: str | None,
                    exclude: set[str]) -> tuple[list[dict[str, Any]], str, bool]:
    """Similar to the publication being watched; else drawn from the viewer's recent views; else popular now."""
    if publication_id:
        with rt.db.session() as s:
            current = s.get(Publication, publication_id)
        if current is None:
            raise NotFound(f"No publication with id {publication_id!r}.", field="publication_id")
        ids = _search_ids(rt, _text_of(rt, current), limit + len(exclude) + 1, fmt)
        return _hydrate(rt, ids, "similar_to_current", exclude | {publication_id}, limit), "similar_to_current", False
    with rt.db.session() as s:
        seen = list(s.scalars(select(Publication).join(GalleryView, GalleryView.publication_id == Publication.id)
                              .where(GalleryView.viewer_key == viewer_key)
                              .order_by(GalleryView.last_viewed_at.desc()).limit(HISTORY)))
    if seen:
        text = "\n".join(_text_of(rt, row) for row in seen)
        viewed = {row.id for row in seen}
        ids = _search_ids(rt, text, limit + len(exclude) + len(viewed), fmt)
        items = _hydrate(rt, ids, "based_on_watch_history", exclude | viewed, limit)
        if items:
            return items, "based_on_watch_history", True
    return _popular(rt, limit, fmt, exclude), "popular_now", False


def _popular(rt: Runtime, limit: int, fmt: str | None, exclude: set[str]) -> list[dict[str, Any]]:
    since = utcnow() - POPULAR_WINDOW
    views = func.coalesce(func.sum(GalleryView.views), 0)
    q = (select(Publication.id).outerjoin(GalleryView, (GalleryView.publication_id == Publication.id)
                                          & (GalleryView.last_viewed_at >= since))
         .group_by(Publication.id, Publication.created_at)
         .order_by(views.desc(), Publication.created_at.desc()).limit(limit + len(exclude) + 50))
    with rt.db.session() as s:
        ids = list(s.scalars(q))
    return _hydrate(rt, [(pid, None) for pid in ids], "popular_now", exclude, limit, fmt)


# -- views -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewEvent:
    publication_id: str
    viewer_key: str
    event_type: str  # view | progress | complete
    watch_time_ms: int | None
    duration_ms: int | None


def record_view(rt: Runtime, event: ViewEvent) -> dict[str, Any]:
    """A view is counted once per viewer per :data:`VIEW_WINDOW`; progress raises the watch time; ``complete``
    (or watching 95 % of ``duration_ms``) marks the view completed."""
    now = utcnow()
    with rt.db.session() as s:
        if s.get(Publication, event.publication_id) is None:
            raise NotFound(f"No publication with id {event.publication_id!r}.", field="publication_id")
        row = s.execute(select(GalleryView).where(GalleryView.publication_id == event.publication_id,
                                                  GalleryView.viewer_key == event.viewer_key)).scalar_one_or_none()
        unique = row is None
        if row is None:
            row = GalleryView(publication_id=event.publication_id, viewer_key=event.viewer_key, views=1,
                              watch_time_ms=0, completed=False, first_viewed_at=now, last_viewed_at=now)
            s.add(row)
            counted = True
        else:
            counted = event.event_type == "view" and now - row.last_viewed_at >= VIEW_WINDOW
            if counted:
                row.views += 1
            row.last_viewed_at = now
        if event.watch_time_ms is not None:
            row.watch_time_ms = max(row.watch_time_ms, event.watch_time_ms)
        finished = event.event_type == "complete" or (
            bool(event.duration_ms) and row.watch_time_ms >= 0.95 * (event.duration_ms or 0))
        row.completed = row.completed or finished
        completed = row.completed
    stats = _stats(rt, [event.publication_id])[event.publication_id]
    return {"recorded": True, "countedView": counted, "uniqueView": unique, "completed": completed, "stats": stats}


def forget(s: Session, publication_id: str) -> None:
    """Inside the revoking transaction: a revoked publication's view rows go with it."""
    s.execute(delete(GalleryView).where(GalleryView.publication_id == publication_id))
