"""The render's own quality report: sampled frames (black, frozen, text cut by the edge),
loudness and true peak, and the outro's QR code, on real renders and on made-to-fail videos."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_ad import DemoAd, build_demo_ad

from reelforge.render import render_timeline
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.quality import frame_checks, quality_report
from support.render import SMALL


@pytest.fixture(scope="module")
def small_ad(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoAd, Path]:
    work = tmp_path_factory.mktemp("quality-ad")
    ad = build_demo_ad(work / "assets", canvas=SMALL, scenes=3, scene_s=1.6, outro_s=1.6)
    return ad, render_timeline(ad.doc, work / "ad.mp4", ad.resolve).path


def test_a_good_render_reports_clean(small_ad: tuple[DemoAd, Path]) -> None:
    ad, video = small_ad
    report = quality_report(video, ad.doc)
    assert report["black_frames"] == [] and report["frozen_scenes"] == [], report
    assert report["text_clipped"] == [], report
    assert -15.0 <= report["integrated_lufs"] <= -13.0 and report["true_peak_dbtp"] <= -1.0
    assert report["outro_qr"] == ad.outro_url
    assert report["frames_checked"] == 2 * len(ad.doc.scenes) + 1
    assert report["ok"] is True


def test_black_frozen_and_clipped_scenes_are_reported(tmp_path: Path) -> None:
    # 0-2 s black; 2-4 s a still picture (frozen); 4-6 s moving gradients with a headline cut
    # by the left edge. The moving gradient has fixed, contrasting colours and turns fast: ffmpeg's
    # gradients source is random even with a seed (its output differs from run to run), and with
    # random colours turning slowly, 1 run in 4 moved too little between the two sampled frames, after
    # H.264, to count as motion.
    video = tmp_path / "bad.mp4"
    gradients = "gradients=size=640x360:rate=30:duration=2:c0=0x3060c0:c1=0xe0a040:nb_colors=2"
    still = f"{gradients},trim=end_frame=1,loop=loop=59:size=1"
    cut = (f"{gradients}:speed=0.2,drawtext=text='CLIPPED HEADLINE':x=-60:y=150:"
           "fontsize=48:fontcolor=white:box=1:boxcolor=black")
    run_ffmpeg(["-f", "lavfi", "-i", "color=black:size=640x360:rate=30:duration=2", "-f", "lavfi", "-i", still,
                "-f", "lavfi", "-i", cut, "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1[v]", "-map", "[v]",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(video)])
    report = frame_checks(video, [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)])
    assert report["black_frames"] == [1.0]
    assert report["frozen_scenes"] == [1]
    assert [item["scene"] for item in report["text_clipped"]] == [2], report


def test_frames_decoded_on_equal_frames_found_by_seeking(small_ad: tuple[DemoAd, Path]) -> None:
    """Times close after one another are reached by decoding on from the last frame: the same pixels
    as a seek to each time's keyframe and a decode from there."""
    import numpy as np

    from reelforge.render.quality import frames_at

    _, video = small_ad
    times = [0.0, 0.4, 0.45, 0.9, 1.3, 2.05, 2.6, 4.7, 4.75, 99.0]
    together = frames_at(video, times)
    assert sorted(together) == times[:-1]  # past the end: no frame
    for t in times[:-1]:
        assert np.array_equal(together[t], frames_at(video, [t])[t]), t
