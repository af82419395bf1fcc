"""Narrator avatar, express CTA generation, provided outro images, and video billing."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from reelforge.render.probe import probe_media
from support import ReelforgeServer, submit, wait_status
from support.media import decode_qr, decode_qr_in, download, frame_at, product_photo

CTA = "https://shop.example.com/express"


def test_express_cta_and_narrator_avatar(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=5000)
    with server.client(key) as c:
        r = c.post(
            "/v1/video/image_list_to_video",
            json={
                "input": {
                    "image_urls": [product_photo(0), product_photo(1)],
                    "metadata": {"product": "linen travel shirt"},
                    "language": "en",
                    "cta_url": CTA,
                    "expressCtaGeneration": True,
                    "generate_outro_image": True,
                    "add_narrator_avatar": True,
                }
            },
        )
        assert r.status_code == 200, r.text
        # Estimate: 2 scenes × 5 s + 3 s outro at RUNWAYML (the default) 30/s + avatar 4/s + express CTA 1/s.
        assert r.json()["creditsCharged"] == math.ceil(13 * (30 + 4 + 1))
        status = wait_status(c, r.json()["request_id"], timeout=400)  # the same job: no second render
    assert status["status"] == "COMPLETED", status
    video = download(status["result_url"], tmp_path / "express.mp4")
    frame = frame_at(video, 1.0, tmp_path / "f.png")
    assert decode_qr_in(frame, 0.7, 1.0) == CTA  # express CTA filled the footer from cta_url
    assert decode_qr(frame_at(video, status["duration"] - 0.6, tmp_path / "o.png")) == CTA
    # The avatar sits bottom-centre: that region differs from the same frame's plain scene colours.
    h, w = frame.shape[:2]
    centre = frame[int(h * 0.6) :, int(w * 0.4) : int(w * 0.6)].astype(float)
    assert centre.std() > 20

    with server.client(key) as c:
        entries = c.get("/v1/credits/ledger", params={"request_id": status["request_id"]}).json()["entries"]
    charged = -sum(e["amount"] for e in entries)
    assert charged == math.ceil(status["duration"] * 35)  # settled to the rendered duration


def test_provided_outro_image_with_focus_area(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=5000)
    status = submit(
        server,
        key,
        "/v1/video/image_list_to_video",
        {
            "image_urls": [product_photo(2)],
            "language": "en",
            "enable_subtitles": False,
            "outro_image_url": product_photo(3),
            "add_outro_animation": True,
            "add_outro_focus_area": True,
            "outro_focust_area": {"x": 600, "y": 300, "width": 600, "height": 400},
        },
    )
    assert status["status"] == "COMPLETED", status
    video = download(status["result_url"], tmp_path / "outro.mp4")
    info = probe_media(video)
    last = frame_at(video, info["duration"] - 0.1, tmp_path / "last.png").astype(float)
    inside = last[300:700, 600:1200].mean()
    outside = np.concatenate([last[:250].ravel(), last[800:].ravel()]).mean()
    assert inside > outside + 30  # the focus area stays lit while the rest fades to black
