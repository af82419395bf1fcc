"""Span re-use: a render copies the spans and sound track an earlier render made for the same
content, encodes only what changed, and the result still decodes as one clean video."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_ad import DemoAd, build_demo_ad, footer_card, outro_card
from PIL import Image

from reelforge.render import render_timeline
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.plan import build_plan
from reelforge.render.spans import boundaries, video_spans
from reelforge.sessions.transforms import replace_outro, set_footer
from reelforge.storage.blobs import LocalBlobStore
from reelforge.storage.render_cache import BlobSpanCache
from support.media import decode_qr, frame_at
from support.render import SMALL, assert_duration_exact


def _video_packets(video: Path) -> list[str]:
    """Checksums of the video stream's packets: equal lists mean the same encoded pictures."""
    out = video.with_suffix(".md5")
    run_ffmpeg(["-i", str(video), "-map", "0:v", "-c", "copy", "-f", "framemd5", str(out)], what="packets")
    return [line.rsplit(",", 1)[-1].strip() for line in out.read_text().splitlines() if not line.startswith("#")]


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoAd, Path, BlobSpanCache]:
    work = tmp_path_factory.mktemp("spans")
    ad = build_demo_ad(work / "assets", canvas=SMALL, scenes=2, scene_s=1.6, outro_s=1.6)
    cache = BlobSpanCache(LocalBlobStore(work / "blobs", "http://test"))
    result = render_timeline(ad.doc, work / "first.mp4", ad.resolve, cache=cache, preset="ultrafast")
    assert result.spans == len(boundaries(build_plan(ad.doc))) - 1
    assert (result.spans_reused, result.sound_reused) == (0, False)
    return ad, result.path, cache


def test_same_document_reuses_every_span_and_the_sound(first: tuple[DemoAd, Path, BlobSpanCache],
                                                       tmp_path: Path) -> None:
    ad, video, cache = first
    again = render_timeline(ad.doc, tmp_path / "again.mp4", ad.resolve, cache=cache, preset="ultrafast")
    assert (again.spans_reused, again.sound_reused) == (again.spans, True)
    assert_duration_exact(again.path, ad.doc)
    assert _video_packets(again.path) == _video_packets(video)


def test_new_outro_encodes_only_the_outro_spans(first: tuple[DemoAd, Path, BlobSpanCache], tmp_path: Path) -> None:
    ad, video, cache = first
    new_url = "https://example.com/new-outro"
    card = outro_card(tmp_path / "outro-2.png", new_url, (SMALL.width, SMALL.height))
    doc = replace_outro(ad.doc, "outro-2")
    media = {**ad.media, "outro-2": card}
    result = render_timeline(doc, tmp_path / "outro.mp4", media.__getitem__, cache=cache, preset="ultrafast")

    outro = doc.layers[-1]
    plan = build_plan(doc)
    outro_frames = next(lf for lf in plan.layers if lf.layer.id == outro.id)
    fade_in = next(fade for fade in plan.crossfades if fade.end == outro_frames.start)
    changed = [s for s in video_spans(doc, plan, lambda ref: ref, {}) if s.end > fade_in.start]
    assert result.spans - result.spans_reused == len(changed) == 2  # the fade into the outro, the outro
    assert result.sound_reused
    assert_duration_exact(result.path, doc)
    assert decode_qr(frame_at(result.path, outro.start + 0.4)) == new_url
    # Everything before the outro's fade-in is the first render's pictures, bit for bit.
    kept = fade_in.start
    assert _video_packets(result.path)[:kept] == _video_packets(video)[:kept]


def test_new_footer_leaves_the_outro_alone(first: tuple[DemoAd, Path, BlobSpanCache], tmp_path: Path) -> None:
    ad, _, cache = first
    new_url = "https://example.com/new-footer"
    with Image.open(ad.media["footer"]) as img:
        size = img.size
    card = footer_card(tmp_path / "footer-2.png", new_url, "New drop", *size)
    doc = set_footer(ad.doc, "footer-2")
    media = {**ad.media, "footer-2": card}
    result = render_timeline(doc, tmp_path / "footer.mp4", media.__getitem__, cache=cache, preset="ultrafast")
    assert result.spans_reused == 1 and result.sound_reused  # the outro after its fade-in
    assert_duration_exact(result.path, doc)
    frame = frame_at(result.path, doc.layers[1].start + 0.5)
    assert decode_qr(frame[int(frame.shape[0] * 0.7):, :]) == new_url
    assert decode_qr(frame_at(result.path, doc.layers[-1].start + 0.4)) == ad.outro_url


def test_span_keys_follow_content_not_names(first: tuple[DemoAd, Path, BlobSpanCache], tmp_path: Path) -> None:
    ad, _, _ = first
    plan = build_plan(ad.doc)
    digest = {ref: f"bytes-of-{ref}" for ref in ad.media}
    base = [s.key for s in video_spans(ad.doc, plan, digest.__getitem__, {})]
    # New bytes behind the same media ref: the spans showing that still change, the others do not.
    changed = [s.key for s in video_spans(ad.doc, plan, {**digest, "scene-1": "other"}.__getitem__, {})]
    scene1 = next(lf for lf in plan.layers if lf.layer.clip == "scene-1")
    for old, new, span in zip(base, changed, video_spans(ad.doc, plan, digest.__getitem__, {}), strict=True):
        shows_scene1 = any(e.media == "scene-1" and e.visible_start < span.end and e.visible_end > span.start
                           for lane in plan.lanes for e in lane)
        assert (old != new) == (shows_scene1 or (span.start < scene1.end and span.end > scene1.start))
    # Encoder settings go into every key; the footer band only where a footer shows.
    recoded = [s.key for s in video_spans(ad.doc, plan, digest.__getitem__, "other")]
    assert all(a != b for a, b in zip(base, recoded, strict=True))
    taller = video_spans(ad.doc, plan, digest.__getitem__, {}, footer_band=99)
    outro = plan.layers[-1]
    for old, span in zip(base, taller, strict=True):
        assert (old == span.key) == (span.start >= outro.start)  # the outro shows no footer


class _FullDisk(LocalBlobStore):
    def put_file(self, key: str, path: Path) -> str:
        raise OSError(28, "No space left on device")


def test_a_cache_that_cannot_be_written_does_not_fail_the_render(first: tuple[DemoAd, Path, BlobSpanCache],
                                                                 tmp_path: Path) -> None:
    ad, _, _ = first
    blobs = tmp_path / "blobs"
    cache = BlobSpanCache(_FullDisk(blobs, "http://test"))
    result = render_timeline(ad.doc, tmp_path / "full-disk.mp4", ad.resolve, cache=cache, preset="ultrafast")
    assert result.spans_reused == 0
    assert_duration_exact(result.path, ad.doc)
    assert [path for path in blobs.rglob("*") if path.is_file()] == []  # nothing half-written was left
