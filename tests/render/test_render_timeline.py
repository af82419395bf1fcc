"""End-to-end renders of real timelines, checked by decoding the output (probe, QR, OCR, loudness)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest
from demo_ad import CAPTIONS, DemoAd, build_demo_ad

from reelforge.render import (
    RenderCancelled,
    measure_loudness,
    render_timeline,
)
from reelforge.render.ffmpeg import ffmpeg_exe
from reelforge.sessions.document import Canvas, FocusArea
from reelforge.sessions.transforms import remove_subtitles, replace_outro
from support.media import decode_qr, frame_at, ocr_text
from support.render import SMALL, assert_duration_exact


@pytest.fixture(scope="module")
def small_ad(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoAd, Path]:
    work = tmp_path_factory.mktemp("small-ad")
    ad = build_demo_ad(work / "assets", canvas=SMALL, scenes=3, scene_s=1.6, outro_s=1.6)
    result = render_timeline(ad.doc, work / "ad.mp4", ad.resolve)
    return ad, result.path


def test_small_render_probes_as_h264_aac_with_exact_duration(small_ad: tuple[DemoAd, Path]) -> None:
    ad, video = small_ad
    assert_duration_exact(video, ad.doc)
    # faststart: the moov atom precedes the media data
    head = video.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


def test_outro_frame_decodes_to_cta_url(small_ad: tuple[DemoAd, Path]) -> None:
    ad, video = small_ad
    outro = ad.doc.layers[-1]
    assert decode_qr(frame_at(video, outro.start + 0.4)) == ad.outro_url


def test_footer_qr_decodes_from_a_scene_frame(small_ad: tuple[DemoAd, Path]) -> None:
    ad, video = small_ad
    frame = frame_at(video, ad.doc.layers[1].start + 0.5)
    footer_rows = frame[int(frame.shape[0] * 0.7):, :]
    assert decode_qr(footer_rows) == ad.footer_url


def test_loudness_is_normalised(small_ad: tuple[DemoAd, Path]) -> None:
    _, video = small_ad
    integrated, true_peak = measure_loudness(video)
    assert -15.0 <= integrated <= -13.0
    assert true_peak <= -1.0


def test_subtitles_are_burned_in_and_absent_when_disabled(small_ad: tuple[DemoAd, Path], tmp_path: Path) -> None:
    ad, video = small_ad
    scene = ad.doc.layers[0]
    words = {"sunrise", "harbour"}  # CAPTIONS[0]; "tour" also appears on the footer card
    assert all(word in CAPTIONS[0].lower() for word in words)
    seen = ocr_text(frame_at(video, scene.start + 0.8)).lower()
    assert any(word in seen for word in words), seen

    bare = remove_subtitles(ad.doc)
    plain = render_timeline(bare, tmp_path / "plain.mp4", ad.resolve, preset="ultrafast").path
    unseen = ocr_text(frame_at(plain, scene.start + 0.8)).lower()
    assert not any(word in unseen for word in words), unseen


def test_outro_fade_to_black_keeps_focus_area_lit(small_ad: tuple[DemoAd, Path], tmp_path: Path) -> None:
    ad, _ = small_ad
    qr_box = FocusArea(x=SMALL.width // 2 - 130, y=SMALL.height // 2 - 130, width=260, height=260)
    doc = replace_outro(ad.doc, "outro", animation=True, focus_area=qr_box)
    video = render_timeline(doc, tmp_path / "focus.mp4", ad.resolve, preset="ultrafast").path
    last = frame_at(video, doc.duration - 2 / doc.canvas.fps)
    gray = cv2.cvtColor(last, cv2.COLOR_BGR2GRAY)
    inside = gray[qr_box.y:qr_box.y + qr_box.height, qr_box.x:qr_box.x + qr_box.width]
    outside = gray[:, : qr_box.x - 10]
    assert outside.mean() < 12  # faded to black
    assert inside.mean() > 60  # the QR area stays lit
    assert decode_qr(inside) == ad.outro_url


def test_full_size_16_9_render(tmp_path: Path) -> None:
    canvas = Canvas.for_aspect_ratio("16:9")
    ad = build_demo_ad(tmp_path / "assets", canvas=canvas, scenes=2, scene_s=1.5, outro_s=1.5)
    result = render_timeline(ad.doc, tmp_path / "full.mp4", ad.resolve, preset="ultrafast")
    assert (result.width, result.height) == (1792, 1024)
    assert_duration_exact(result.path, ad.doc)
    assert decode_qr(frame_at(result.path, ad.doc.layers[-1].start + 0.5)) == ad.outro_url


def test_vertical_9_16_render_has_vertical_canvas(tmp_path: Path) -> None:
    canvas = Canvas(width=432, height=768, fps=24)
    ad = build_demo_ad(tmp_path / "assets", canvas=canvas, scenes=2, scene_s=1.0, outro_s=1.0, footers=False)
    result = render_timeline(ad.doc, tmp_path / "vertical.mp4", ad.resolve, preset="ultrafast")
    info = assert_duration_exact(result.path, ad.doc)
    assert info["fps"] == 24.0


def _ffmpeg_children() -> list[int]:
    exe = Path(ffmpeg_exe()).name[:15]
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        if int(fields[3]) == os.getpid() and exe.startswith(fields[1].strip("()")):
            found.append(int(stat.parent.name))
    return found


def test_cancel_kills_ffmpeg_and_removes_partial_output(tmp_path: Path) -> None:
    ad = build_demo_ad(tmp_path / "assets", canvas=Canvas.for_aspect_ratio("16:9"), scenes=4, scene_s=5.0)
    out = tmp_path / "cancelled.mp4"
    partial = out.with_name(f".{out.name}.partial.mp4")
    work = tmp_path / "work"
    work.mkdir()
    seen_running: list[bool] = []
    cancelled_at: list[float] = []

    def should_cancel() -> bool:
        # Cancel once a chunk's ffmpeg is writing its spans.
        if any(work.glob("*/chunk-*/span-*.mp4")) and _ffmpeg_children():
            seen_running.append(True)
        if len(seen_running) >= 2 and not cancelled_at:
            cancelled_at.append(time.monotonic())
        return bool(cancelled_at)

    with pytest.raises(RenderCancelled):
        render_timeline(ad.doc, out, ad.resolve, should_cancel=should_cancel, workdir=work)
    assert seen_running
    # Timed from the cancel, not from the start: what comes before the first chunk (stills, the
    # sound track) takes as long as the machine's load makes it.
    assert time.monotonic() - cancelled_at[0] < 10
    assert _ffmpeg_children() == []
    assert not out.exists() and not partial.exists()
    assert list(work.iterdir()) == []  # the spans written so far went with the render's scratch folder


def test_render_error_carries_stderr(tmp_path: Path) -> None:
    from reelforge.render import RenderError

    ad = build_demo_ad(tmp_path / "assets", canvas=SMALL, scenes=1, scene_s=1.0, outro_s=1.0, footers=False)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really audio")
    media: dict[str, Path] = {**ad.media, "speech-0": broken}
    resolve: Callable[[str], Path] = media.__getitem__
    with pytest.raises(RenderError) as caught:
        render_timeline(ad.doc, tmp_path / "x.mp4", resolve)
    assert "broken.wav" in str(caught.value) or "Invalid data" in str(caught.value)


def test_cancel_from_another_thread_flag(tmp_path: Path) -> None:
    """The usual wiring: a worker sets an Event; the render stops within a poll interval or two."""
    ad = build_demo_ad(tmp_path / "assets", canvas=Canvas.for_aspect_ratio("16:9"), scenes=4, scene_s=5.0)
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(RenderCancelled):
            render_timeline(ad.doc, tmp_path / "c.mp4", ad.resolve, should_cancel=stop.is_set)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.5 + 2.0
    assert _ffmpeg_children() == []


def test_video_clip_layer_is_rendered_for_its_span(tmp_path: Path) -> None:
    """A scene whose clip is a video (hosted image-to-video models) plays that clip, looped to fit."""
    from reelforge.render.ffmpeg import run_ffmpeg

    ad = build_demo_ad(tmp_path / "assets", canvas=SMALL, scenes=2, scene_s=1.5, outro_s=1.0, footers=False)
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x00ff00:s=320x240:r=25:d=0.6", "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p", str(clip)], what="make clip")
    layers = list(ad.doc.layers)
    layers[1] = layers[1].model_copy(update={"clip": "clip", "clip_type": "video"})
    doc = ad.doc.model_copy(update={"layers": layers})
    media = {**ad.media, "clip": clip}
    video = render_timeline(doc, tmp_path / "clip-ad.mp4", media.__getitem__, preset="ultrafast").path
    assert_duration_exact(video, doc)
    green = frame_at(video, layers[1].start + 1.2)  # past the clip's own 0.6 s: it loops
    b, g, r = (float(c) for c in green[40:120, 40:120].reshape(-1, 3).mean(axis=0))
    assert g > 150 and r < 80 and b < 80
