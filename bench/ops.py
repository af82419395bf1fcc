"""Wall time of a footer update vs a fresh generation of the same video, from one run.

    .venv/bin/python bench/ops.py

Starts a real embedded server on a temporary data directory, generates a 3-scene image-list
video with footers and a QR outro, then updates its footer, and prints both wall times and their
ratio (target ≤ 0.6: the footer update re-runs only frame and video generation).
"""

from __future__ import annotations

import base64
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
from PIL import Image, ImageDraw
from sqlalchemy import select

from reelforge.core import accounts
from reelforge.db.database import Database
from reelforge.db.models import Request, StageRun


def photo(seed: int) -> str:
    img = Image.new("RGB", (1600, 1000), ["#e76f51", "#2a9d8f", "#264653"][seed % 3])
    ImageDraw.Draw(img).ellipse((400, 200, 1200, 800), fill=["#f4a261", "#e9c46a", "#8ab17d"][seed % 3])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def wait(client: httpx.Client, rid: str) -> float:
    start = time.monotonic()
    while True:
        body = client.get("/v1/status", params={"request_id": rid}).json()
        if body["status"] != "PENDING":
            assert body["status"] == "COMPLETED", body
            return time.monotonic() - start
        time.sleep(0.2)


def _stage_times(db: Database, request_id: str) -> str:
    """Each stage's start and end (from its execution record), in seconds after the request was
    accepted, then when the request was marked done: the gaps are the engine's hand-offs."""
    with db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None
        runs = session.scalars(select(StageRun).where(StageRun.request_id == request_id)
                               .order_by(StageRun.started_at)).all()
        accepted = req.created_at

        def at(moment: datetime) -> str:
            return f"{(moment - accepted).total_seconds():.2f}"

        def reuse(run: StageRun) -> str:
            render = run.output.get("render") if run.output else None
            return (f" [spans re-used {render['spans_reused']}/{render['spans']}, sound "
                    f"{'re-used' if render['sound_reused'] else 'mixed'}]") if render else ""

        steps = [f"{run.stage} {at(run.started_at)}-{at(run.finished_at)}{reuse(run)}"
                 for run in runs if run.finished_at]
        return ", ".join([*steps, f"done {at(req.updated_at)}"])


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="rf-bench-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "REELFORGE_DATA_DIR": str(data), "REELFORGE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelforge.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        db = Database(f"sqlite:///{data / 'reelforge.db'}")
        key = accounts.create_api_key(db, accounts.create_account(db, "bench", 100_000).id).plaintext
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
            t0 = time.monotonic()
            rid = c.post(
                "/v1/video/image_list_to_video",
                json={
                    "input": {
                        "image_urls": [photo(i) for i in range(3)],
                        "metadata": {"product": "linen travel shirt"},
                        "generate_outro_image": True,
                        "cta_url": "https://example.com/shop",
                        "add_footer_animation": True,
                        "footer_metadata": {"url": "https://example.com/f", "text": "Shop now"},
                    }
                },
            ).json()["request_id"]
            wait(c, rid)
            fresh = time.monotonic() - t0
            t1 = time.monotonic()
            op = c.post(
                "/v1/video/update_footer_image",
                json={"input": {"videoSessionId": rid, "cta_url": "https://example.com/new", "cta_text": "New drop"}},
            ).json()
            wait(c, op["request_id"])
            footer = time.monotonic() - t1
        print(f"fresh generation : {fresh:6.2f} s   stages (start-end s): {_stage_times(db, rid)}")
        print(f"update_footer    : {footer:6.2f} s   stages (start-end s): {_stage_times(db, op['request_id'])}")
        print(f"ratio            : {footer / fresh:6.2f}  (target <= 0.60)")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


if __name__ == "__main__":
    main()
