"""Encoder choice without a GPU: detection says NVENC is not usable (with the reason), ``auto``
falls back to x264 and the render works, ``nvenc`` required fails clearly, and the two encoders'
settings never share a span key."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_ad import build_demo_ad

from reelforge.render import render_timeline
from reelforge.render.encoders import EncoderUnavailable, choose, h264_args, probe_nvenc
from reelforge.render.plan import build_plan
from reelforge.render.spans import video_spans
from reelforge.render.timeline import video_encoder_args
from support.render import SMALL, assert_duration_exact


@pytest.fixture(scope="module")
def no_gpu() -> None:
    probe = probe_nvenc()
    if probe.usable:
        pytest.skip("this machine has a usable NVENC: the fallback cannot be exercised here")


def test_detection_reports_why_nvenc_is_not_usable(no_gpu: None) -> None:
    probe = probe_nvenc()
    assert not probe.usable
    assert probe.reason.startswith(("test encode failed", "this ffmpeg build has no h264_nvenc"))


def test_auto_falls_back_to_x264_and_renders(no_gpu: None, tmp_path: Path) -> None:
    assert choose("auto") == "x264"
    assert choose("x264") == "x264"
    ad = build_demo_ad(tmp_path / "assets", canvas=SMALL, scenes=2, scene_s=1.0, outro_s=1.0)
    result = render_timeline(ad.doc, tmp_path / "out.mp4", ad.resolve, preset="ultrafast", encoder=choose("auto"))
    assert_duration_exact(result.path, ad.doc)  # H.264 + AAC, every frame


def test_required_nvenc_without_a_gpu_fails_clearly(no_gpu: None) -> None:
    with pytest.raises(EncoderUnavailable, match="NVENC was required"):
        choose("nvenc")


def test_nvenc_settings_and_keys_differ_from_x264(tmp_path: Path) -> None:
    assert h264_args("nvenc", "veryfast", 23)[:2] == ["-c:v", "h264_nvenc"]
    assert h264_args("x264", "veryfast", 23)[:2] == ["-c:v", "libx264"]
    ad = build_demo_ad(tmp_path / "assets", canvas=SMALL, scenes=2, scene_s=1.0, outro_s=1.0)
    plan = build_plan(ad.doc)
    keys = {enc: [s.key for s in video_spans(ad.doc, plan, lambda ref: ref, video_encoder_args(30, encoder=enc))]
            for enc in ("x264", "nvenc")}
    assert not set(keys["x264"]) & set(keys["nvenc"])
