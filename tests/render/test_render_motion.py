"""Camera motions checked on decoded frames: pans glide by a constant step, push-ins zoom."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from demo_ad import scene_image
from PIL import Image

from reelforge.render import render_timeline
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.graph import PAN_STEP
from reelforge.sessions.document import CameraMotion, Canvas, Layer, SessionDocument, Transition
from reelforge.stages.video_clips import motions_for

CANVAS = Canvas(width=640, height=360, fps=30)


def _render_single(tmp_path: Path, motion: CameraMotion, seconds: float = 1.0) -> Path:
    still = scene_image(tmp_path / "still.png", (CANVAS.width, CANVAS.height), seed=3)
    doc = SessionDocument(canvas=CANVAS, language="en", subtitles=False,
                          layers=[Layer(id="s", kind="scene", start=0, end=seconds, clip="still",
                                        camera_motion=motion)])
    return render_timeline(doc, tmp_path / f"{motion}.mp4", lambda ref: still).path


def _luma_frames(video: Path, count: int) -> list[np.ndarray]:
    raw = video.with_suffix(".gray")
    run_ffmpeg(["-i", str(video), "-frames:v", str(count), "-f", "rawvideo", "-pix_fmt", "gray", str(raw)],
               what="decode")
    data = np.frombuffer(raw.read_bytes(), np.uint8).astype(np.int16)
    return list(data.reshape(-1, CANVAS.height, CANVAS.width))


def _best_shift(before: np.ndarray, after: np.ndarray, axis: int) -> tuple[int, float]:
    """The whole-pixel shift along ``axis`` that best maps ``before`` onto ``after`` (and its error)."""
    inner = (slice(20, -20), slice(20, -20))
    errors = {dx: float(np.abs(after[inner] - np.roll(before, dx, axis=axis)[inner]).mean()) for dx in range(-6, 7)}
    shift = min(errors, key=lambda dx: errors[dx])
    return shift, errors[shift]


@pytest.mark.parametrize(("motion", "axis", "sign"), [("pan_right", 1, -1), ("pan_left", 1, 1),
                                                      ("pan_down", 0, -1), ("pan_up", 0, 1)])
def test_pan_moves_by_the_same_whole_step_every_frame(tmp_path: Path, motion: CameraMotion, axis: int,
                                                      sign: int) -> None:
    # 0.7 s: 20 steps of PAN_STEP fit the headroom on both axes (a longer scene spreads its room).
    frames = _luma_frames(_render_single(tmp_path, motion, seconds=0.7), 21)
    shifts = [_best_shift(a, b, axis) for a, b in zip(frames[0:20], frames[1:21], strict=True)]
    # Every frame is the previous one moved by exactly PAN_STEP pixels (lossy codec: small error).
    assert [s for s, _ in shifts] == [sign * PAN_STEP] * len(shifts)
    assert max(err for _, err in shifts) < 1.5
    # ...and it really moves: without the shift the frames differ clearly.
    assert _best_shift(frames[8], frames[18], axis)[1] > 2 * max(err for _, err in shifts) or \
        float(np.abs(frames[18] - frames[8]).mean()) > 3


def _zoomed_about_centre(frame: np.ndarray, zoom: float) -> np.ndarray:
    height, width = frame.shape
    w, h = width / zoom, height / zoom
    box = ((width - w) / 2, (height - h) / 2, (width + w) / 2, (height + h) / 2)
    picture = Image.fromarray(frame.astype(np.uint8)).resize((width, height), Image.Resampling.BILINEAR, box=box)
    return np.asarray(picture, dtype=np.int16)


def test_push_in_enlarges_the_picture_about_its_centre(tmp_path: Path) -> None:
    frames = _luma_frames(_render_single(tmp_path, "push_in", seconds=1.5), 45)
    first, last = frames[0], frames[-1]
    # No whole-pixel shift explains a zoom.
    assert _best_shift(first, last, 1)[1] > 2.0
    # The last frame is the first enlarged about the centre by the zoom range (1.1 at the end).
    errors = {zoom: float(np.abs(last - _zoomed_about_centre(first, zoom)).mean()) for zoom in (1.0, 1.05, 1.1, 1.15)}
    assert min(errors, key=errors.__getitem__) == 1.1, errors


def test_offline_clip_motions_pan_along_the_long_side() -> None:
    assert set(motions_for(1792, 1024)) == {"pan_right", "pan_left"}
    assert set(motions_for(1024, 1792)) == {"pan_down", "pan_up"}


def _longest_still_run(frames: list[np.ndarray]) -> int:
    """The longest run of consecutive frames that show the same picture (codec noise tolerated)."""
    longest = run = 1
    for before, after in zip(frames, frames[1:], strict=False):
        run = run + 1 if float(np.abs(after - before).mean()) < 0.3 else 1
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("canvas", [Canvas(width=640, height=360, fps=30), Canvas(width=360, height=640, fps=30)])
def test_scenes_never_hold_still(tmp_path: Path, canvas: Canvas) -> None:
    """Three 5-second panning scenes with crossfades: the camera moves on every frame of every scene
    (from the first frame, through the crossfades, to the last), so no picture repeats for more than
    two frames. Before, each scene rested ~0.4 s at both ends."""
    motions = motions_for(canvas.width, canvas.height)
    stills = [scene_image(tmp_path / f"s{i}.png", (canvas.width, canvas.height), seed=i) for i in range(3)]
    layers = [Layer(id=f"s{i}", kind="scene", start=5.0 * i, end=5.0 * (i + 1), clip=f"s{i}",
                    camera_motion=motions[i % 2], transition_in=Transition(duration=0.5) if i else None)
              for i in range(3)]
    doc = SessionDocument(canvas=canvas, language="en", subtitles=False, layers=layers)
    video = render_timeline(doc, tmp_path / "scenes.mp4", lambda ref: stills[int(ref[1:])]).path
    raw = video.with_suffix(".gray")
    run_ffmpeg(["-i", str(video), "-f", "rawvideo", "-pix_fmt", "gray", str(raw)], what="decode")
    frames = list(np.frombuffer(raw.read_bytes(), np.uint8).astype(np.int16).reshape(-1, canvas.height, canvas.width))
    assert len(frames) == 450
    assert _longest_still_run(frames) <= 2
