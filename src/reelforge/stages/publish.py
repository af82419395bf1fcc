"""Publishing a session: its document stored as the next version, rendered to MP4, the request's
result built from the render."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from reelforge.db.models import SessionVersion
from reelforge.render.encoders import choose
from reelforge.render.quality import quality_report
from reelforge.render.timeline import render_timeline
from reelforge.sessions.document import SessionDocument
from reelforge.sessions.store import save_version
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published
from reelforge.storage.render_cache import BlobSpanCache

CANCEL_POLL_S = 0.5


def publish_render(env: StageEnv, doc: SessionDocument, final_price: Callable[[float], int]) -> Published:
    """Store ``doc`` as the session's next version and render it to MP4 in the blob store. The
    output's ``result`` is the result as status bodies show it, ``final_price`` is the price of the
    rendered duration, and ``render`` says how many spans were encoded and how many re-used. The
    result's ``quality`` is the render's own check (render/quality.py)."""
    version = save_version(env.rt, env.request, doc)
    last_check = [0.0]

    def should_cancel() -> bool:
        now = time.monotonic()
        if now - last_check[0] < CANCEL_POLL_S:
            return False
        last_check[0] = now
        return env.is_cancelled()

    out = env.work_dir() / "render.mp4"
    settings = env.rt.settings
    # Only a long render is worth spreading over workers (each hand-off costs a queue round trip).
    split = max((layer.end for layer in doc.layers), default=0.0) > settings.render_split_min_s
    # Its scratch files go in the request's work dir too: ``ps`` then shows which request each ffmpeg
    # run belongs to, and cleaning the work dir removes whatever a killed render left.
    rendered = render_timeline(doc, out, env.rt.blobs.path, should_cancel=should_cancel,
                               cache=BlobSpanCache(env.rt.blobs), encoder=choose(settings.video_encoder),
                               preset=settings.video_preset, workdir=env.work_dir(),
                               chunk_s=settings.render_chunk_s, run_chunks=env.chunk_runner if split else None,
                               on_progress=lambda fraction: env.progress(fraction, "encoding frames"))
    key = env.rt.blobs.put_file(f"videos/{env.request_id}.mp4", out)
    # Checked on the file just written, from a few sampled frames and one audio pass.
    quality = quality_report(out, doc)
    with env.rt.db.session() as s:
        row = s.execute(select(SessionVersion).where(SessionVersion.request_id == env.request_id)).scalar_one()
        row.result_key = key
    env.clean_work_dir()
    url = env.rt.blobs.url(key)
    render = {"spans": rendered.spans, "spans_reused": rendered.spans_reused, "sound_reused": rendered.sound_reused,
              "chunks": [report.to_json() for report in rendered.chunks]}
    duration = round(rendered.duration_s, 3)
    result: dict[str, Any] = {
        "result_url": url,
        "result_urls": [url],
        "duration": duration,
        "width": rendered.width,
        "height": rendered.height,
        "aspect_ratio": doc.aspect_ratio,
        "result_language": doc.language,
        "langauge": doc.language,
        "has_subtitles": doc.has_subtitles,
        "session_version": version,
        "quality": quality,
    }
    return Published(result=result, final_price=final_price(duration), render=render)
