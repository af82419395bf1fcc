"""Persistence of session documents (one row per version) and publishing of their renders."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from reelforge.db.models import Request, SessionVersion
from reelforge.pipeline.registry import StageContext
from reelforge.runtime import Runtime
from reelforge.sessions.document import SessionDocument
from reelforge.storage.render_cache import BlobSpanCache

CANCEL_POLL_S = 0.5


def save_version(rt: Runtime, request: Request, doc: SessionDocument) -> int:
    """Store ``doc`` as the next version of the request's session; idempotent per request so a
    re-run stage after a crash does not add a second version."""
    session_id = request.session_id or request.id
    with rt.db.session() as s:
        existing = s.execute(select(SessionVersion).where(SessionVersion.request_id == request.id)).scalar_one_or_none()
        if existing is not None:
            existing.document = doc.to_json_dict()
            return existing.version
        latest = (
            s.execute(
                select(func.max(SessionVersion.version)).where(SessionVersion.session_id == session_id)
            ).scalar_one_or_none()
            or 0
        )
        s.add(
            SessionVersion(
                session_id=session_id,
                account_id=request.account_id,
                request_id=request.id,
                version=latest + 1,
                document=doc.to_json_dict(),
            )
        )
        return latest + 1


def latest_document(rt: Runtime, session_id: str) -> tuple[SessionDocument, SessionVersion] | None:
    with rt.db.session() as s:
        row = s.execute(
            select(SessionVersion)
            .where(SessionVersion.session_id == session_id)
            .order_by(SessionVersion.version.desc())
            .limit(1)
        ).scalar_one_or_none()
    if row is None:
        return None
    return SessionDocument.model_validate(row.document), row


def publish_render(ctx: StageContext, doc: SessionDocument, version: int) -> dict[str, Any]:
    """Render ``doc`` to MP4 in the blob store. Returns the stage output's ``result`` (the result as
    status bodies show it) and ``render``: how many spans were encoded and how many re-used, which the
    stage's execution record keeps."""
    from reelforge.render.timeline import render_timeline

    last_check = [0.0]

    def should_cancel() -> bool:
        now = time.monotonic()
        if now - last_check[0] < CANCEL_POLL_S:
            return False
        last_check[0] = now
        return ctx.is_cancelled()

    out = ctx.work_dir() / "render.mp4"
    rendered = render_timeline(doc, out, ctx.rt.blobs.path, should_cancel=should_cancel,
                               cache=BlobSpanCache(ctx.rt.blobs))
    key = ctx.rt.blobs.put_file(f"videos/{ctx.request.id}.mp4", out)
    with ctx.rt.db.session() as s:
        row = s.execute(select(SessionVersion).where(SessionVersion.request_id == ctx.request.id)).scalar_one()
        row.result_key = key
    ctx.clean_work_dir()
    url = ctx.rt.blobs.url(key)
    render = {"spans": rendered.spans, "spans_reused": rendered.spans_reused, "sound_reused": rendered.sound_reused}
    return {"render": render, "result": {
        "result_url": url,
        "result_urls": [url],
        "duration": round(rendered.duration_s, 3),
        "width": rendered.width,
        "height": rendered.height,
        "aspect_ratio": doc.aspect_ratio,
        "result_language": doc.language,
        "langauge": doc.language,
        "has_subtitles": doc.has_subtitles,
        "session_version": version,
    }}
