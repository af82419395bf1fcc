"""Publishing a session version: render its document to MP4 in the blob store and record where.

This lives in the pipeline layer, not beside the session store, because it drives the renderer:
the store only persists documents and must not import the render engine.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from reelforge.db.models import SessionVersion
from reelforge.pipeline.registry import StageContext
from reelforge.render.timeline import render_timeline
from reelforge.sessions.document import SessionDocument
from reelforge.storage.render_cache import BlobSpanCache

CANCEL_POLL_S = 0.5


def publish_render(ctx: StageContext, doc: SessionDocument, version: int) -> dict[str, Any]:
    """Render ``doc`` to MP4 in the blob store. Returns the stage output's ``result`` (the result as
    status bodies show it) and ``render``: how many spans were encoded and how many re-used, which the
    stage's execution record keeps."""
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
