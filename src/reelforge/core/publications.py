"""Publications: an owner's completed video session on the public feed.

Publishing, editing and revoking are free and only the session's owner (core/principals.py) may do them;
anyone else's session is a 404. The feed is newest first with an opaque cursor — the position of the
last item sent, ``(created_at, id)`` — so pages stay consistent while new publications arrive.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from reelforge.core import gallery, requests
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.ids import new_id
from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import Publication, wire_time

DETAIL_FIELDS = ("creator_handle", "slug", "aspect_ratio", "session_language", "language_string", "image_model",
                 "video_model", "original_prompt", "splash_image", "image_hash")


def _owned_completed_video(db: Database, owner: Owner, session_id: str) -> dict[str, Any]:
    """The result of the owner's completed video session (400 for any other request of theirs)."""
    req = requests.get_owned(db, owner, session_id, field="session_id")
    if req.type != "video" or req.status != "COMPLETED":
        raise BadRequest(f"Session {session_id} is not a completed video session.", field="session_id")
    return dict(req.result or {})


def publish(db: Database, owner: Owner, session_id: str, fields: dict[str, Any]) -> Publication:
    """Publish (or, when already published, update) the owner's completed session."""
    result = _owned_completed_video(db, owner, session_id)
    with db.session() as s:
        row = s.execute(select(Publication).where(Publication.session_id == session_id)).scalar_one_or_none()
        if row is None:
            url = result.get("result_url")
            # The render's own facts, unless the publisher says otherwise (the gallery filters on the format).
            known = {"aspect_ratio": result.get("aspect_ratio"), "session_language": result.get("result_language"),
                     "duration": result.get("duration"), "has_subtitles": result.get("has_subtitles")}
            row = Publication(id=new_id("pub", 8), session_id=session_id, account_id=owner.account_id,
                              external_user_id=_session_user(db, session_id), video_url=str(url) if url else None,
                              tags=[], details={k: v for k, v in known.items() if v is not None}, title="",
                              description="")
            s.add(row)
        _apply(row, fields)
        s.flush()
        return row


def _session_user(db: Database, session_id: str) -> str | None:
    return requests.get(db, session_id).external_user_id


def edit(db: Database, owner: Owner, session_id: str, fields: dict[str, Any]) -> Publication:
    _owned_completed_video(db, owner, session_id)
    with db.session() as s:
        row = s.execute(select(Publication).where(Publication.session_id == session_id)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"Session {session_id} is not published.", field="session_id")
        _apply(row, fields)
        s.flush()
        return row


def revoke(db: Database, owner: Owner, session_id: str) -> str:
    """Take the owner's session off the feed; the revoked publication's id."""
    requests.get_owned(db, owner, session_id, field="session_id")
    with db.session() as s:
        row = s.execute(select(Publication).where(Publication.session_id == session_id)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"Session {session_id} is not published.", field="session_id")
        gallery.forget(s, row.id)
        s.delete(row)
        return row.id


def _apply(row: Publication, fields: dict[str, Any]) -> None:
    """Set the fields given; omitted ones keep their values (samsar-js ``editPublication``)."""
    if fields.get("title") is not None:
        row.title = str(fields["title"])[:300]
    if fields.get("description") is not None:
        row.description = str(fields["description"])[:5000]
    if fields.get("tags") is not None:
        tags = fields["tags"]
        row.tags = [t.strip() for t in (tags.split(",") if isinstance(tags, str) else tags) if str(t).strip()][:30]
    details = dict(row.details)
    details.update({k: fields[k] for k in DETAIL_FIELDS if fields.get(k) is not None})
    row.details = details


def _encode(row: Publication) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, pub_id = raw.partition("|")
        return datetime.fromisoformat(at), pub_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("Invalid cursor.", field="cursor") from exc


def feed(db: Database, limit: int, cursor: str | None = None) -> tuple[list[Publication], str | None]:
    """A page of the public feed, newest first, and the cursor of the next page (None at the end)."""
    q = select(Publication)
    if cursor:
        at, pub_id = _decode(cursor)
        q = q.where(or_(Publication.created_at < at, and_(Publication.created_at == at, Publication.id < pub_id)))
    with db.session() as s:
        rows = list(s.execute(q.order_by(Publication.created_at.desc(), Publication.id.desc()).limit(limit + 1))
                    .scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode(rows[-1]) if more and rows else None)


def payload(row: Publication) -> dict[str, Any]:
    """samsar-js ``SessionPublicationSummary`` (snake and camel case, as the SDK reads either)."""
    d = row.details
    body: dict[str, Any] = {
        "id": row.id, "publication_id": row.id, "session_id": row.session_id, "sessionId": row.session_id,
        "video_url": row.video_url, "videoUrl": row.video_url, "title": row.title, "description": row.description,
        "tags": list(row.tags), "created_at": wire_time(row.created_at),
        "updated_at": wire_time(row.updated_at),
    }
    for name in DETAIL_FIELDS:
        body[name] = d.get(name)
        head, *rest = name.split("_")
        body[head + "".join(p.title() for p in rest)] = d.get(name)
    return body


def get(db: Database, publication_id: str) -> Publication:
    with db.session() as s:
        row = s.get(Publication, publication_id)
    if row is None:
        raise NotFound(f"No publication with id {publication_id!r}.", field="publication_id")
    return row


def interactive_payload(row: Publication) -> dict[str, Any]:
    """samsar-js ``InteractivePublication``. reelforge renders linear sessions, so the manifest's tree is one
    path from the root with no choice points: a player built for branched videos plays it as it is."""
    d = row.details
    poster = d.get("splash_image") or row.poster_url or ""
    duration = float(d.get("duration") or 0.0)
    path = {"path_id": f"{row.id}:main", "leaf_node_id": "root", "ordinal": 0, "branch_point_id": None,
            "divergence_scene_index": None, "switch_at_seconds": None, "branching_hint": None,
            "description": row.description, "contentUrl": row.video_url or "", "thumbnailUrl": poster,
            "encodingFormat": "video/mp4", "duration": duration, "is_default": True}
    return {
        "id": row.id, "type": "InteractiveVideo", "schema": "interactive_publication.v1", "title": row.title,
        "description": row.description, "tags": list(row.tags), "creatorHandle": d.get("creator_handle") or "",
        "slug": d.get("slug"), "datePublished": wire_time(row.created_at), "mainVideoUrl": row.video_url or "",
        "mainThumbnailUrl": poster, "thumbnailUrl": poster, "duration": duration,
        "aspectRatio": d.get("aspect_ratio"), "inLanguage": d.get("session_language"),
        "hasSubtitles": d.get("has_subtitles"), "sessionId": row.session_id,
        "manifest": {"schema": "interactive_video_manifest.v1", "default_path_id": path["path_id"],
                     "timing": {"origin": "media", "unit": "seconds"},
                     "tree": {"root_node_id": "root", "choice_points": []}, "outputs": {"paths": [path]}},
    }
