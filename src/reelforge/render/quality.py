"""A cheap quality report on a rendered MP4, made by the render stage from a handful of frames:
black frames and frozen scenes, integrated loudness and true peak, the outro's QR code, and text
cut off at the frame's edge.

Frames are sampled, not all decoded: two close frames in the middle of each scene (a frozen
scene shows the same picture in both; a black one is dark in both), one on the outro card.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from PIL import Image

from reelforge.providers.ocr import OcrUnavailableError, text_regions
from reelforge.render.probe import measure_loudness
from reelforge.sessions.document import SessionDocument

_BLACK_LUMA = 12.0  # mean 8-bit luma below which a frame reads as black
_FROZEN_DIFF = 0.35  # mean absolute difference (0-255) below which two frames are the same picture
_PAIR_GAP_S = 0.2
# A text box this close to the frame's edge (share of the frame's side) is cut by it: the
# detector's box of a line cut by the edge starts up to 1.7 % of the side in from the cut (headlines
# cut by the left edge of a 640 px frame: 72 over 12 backgrounds, 3-11 px). Framed text keeps at
# least 4 % away from every edge (imaging/framing.py's safe area), so 3 % flags no whole line.
_EDGE = 0.03
_DETECT_SIDE = 640  # the frame is checked at this size (the calibration's; headlines are found at it)
_PAD = 16  # edge pixels repeated outward before detection (see clipped_text)


# A time this close after the last frame decoded is reached by decoding on, not by seeking back to
# its keyframe and decoding that GOP again (renders put a keyframe at least every 2 s).
_DECODE_ON_S = 2.0


def frames_at(path: Path, times: Iterable[float]) -> dict[float, np.ndarray]:
    """RGB frames at (just after) each time, decoding forward from the nearest keyframe, or from the
    frame before when the time is just after it (the two frames of a scene's pair: one GOP decoded)."""
    out: dict[float, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames: Iterator[av.VideoFrame] | None = None
        at = -math.inf  # time of the last frame decoded
        for t in sorted(set(times)):
            if frames is None or not at < t <= at + _DECODE_ON_S:
                container.seek(max(0, int(t * 1_000_000)), any_frame=False, backward=True)
                frames = container.decode(stream)
            for frame in frames:
                if frame.time is None:
                    continue
                at = frame.time
                if at + 1e-3 >= t:
                    out[t] = frame.to_ndarray(format="rgb24")
                    break
            else:
                frames = None  # the end of the file: a later time seeks (and finds nothing)
    return out


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.float32)


def decode_qr(rgb: np.ndarray) -> str:
    """QR text in a frame, tried at a few scales (big outro codes decode better halved); "" if none."""
    detector = cv2.QRCodeDetector()
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    for scale in (1.0, 0.5, 2.0):
        candidate = bgr if scale == 1.0 else cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        text, _, _ = detector.detectAndDecode(candidate)
        if text:
            return str(text)
    return ""


def clipped_text(rgb: np.ndarray) -> list[list[int]]:
    """Boxes of text lines that touch the frame's edge (cut off by it), in frame pixels.

    The frame is detected with its edge pixels repeated outward (_PAD): at the image's own border the
    detector dropped a glyph cut mid-letter and the box of a headline cut by the left edge started 6 %
    in. Padded, a cut line's box starts within 1.7 % of the edge (72 cut headlines over 12
    backgrounds, none missed), for a third of the cost of RapidOCR's own cure (upscaling to 736 px)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, _DETECT_SIDE / max(h, w))
    small = np.asarray(Image.fromarray(rgb).resize((max(1, round(w * scale)), max(1, round(h * scale)))))
    sh, sw = small.shape[:2]
    padded = np.pad(small, ((_PAD, _PAD), (_PAD, _PAD), (0, 0)), mode="edge")
    ex, ey = max(2.0, _EDGE * sw), max(2.0, _EDGE * sh)
    found = []
    for x0, y0, x1, y1 in text_regions(Image.fromarray(padded)):
        x0, y0, x1, y1 = x0 - _PAD, y0 - _PAD, x1 - _PAD, y1 - _PAD
        if x0 <= ex or y0 <= ey or x1 >= sw - ex or y1 >= sh - ey:
            found.append([round(x0 / scale), round(y0 / scale), round(x1 / scale), round(y1 / scale)])
    return found


def frame_checks(path: Path, scenes: list[tuple[float, float]]) -> dict[str, Any]:
    """Black frames, frozen scenes and text cut by the frame's edge, from two frames in the
    middle of each (start, end) scene span."""
    mids = [(start + end) / 2 for start, end in scenes]
    frames = frames_at(path, [t for m in mids for t in (m, m + _PAIR_GAP_S)])
    black: list[float] = []
    frozen: list[int] = []
    clipped: list[dict[str, Any]] | None = []
    for index, mid in enumerate(mids):
        first, second = frames.get(mid), frames.get(mid + _PAIR_GAP_S)
        if first is None or second is None:
            continue
        if _luma(first).mean() < _BLACK_LUMA:
            black.append(round(mid, 3))
        elif float(np.abs(_luma(first) - _luma(second)).mean()) < _FROZEN_DIFF:
            frozen.append(index)
        if clipped is not None:
            try:
                boxes = clipped_text(first)
            except OcrUnavailableError:
                clipped = None  # no text detector installed: reported as not checked
                continue
            if boxes:
                clipped.append({"scene": index, "time": round(mid, 3), "boxes": boxes})
    return {"frames_checked": len(frames), "black_frames": black, "frozen_scenes": frozen, "text_clipped": clipped}


def quality_report(path: Path, doc: SessionDocument) -> dict[str, Any]:
    """The report for the MP4 at ``path`` rendered from ``doc`` (see the module docstring)."""
    report = frame_checks(path, [(layer.start, layer.end) for layer in doc.scenes])
    lufs, peak = measure_loudness(path) if doc.audio else (-math.inf, -math.inf)
    report["integrated_lufs"] = round(lufs, 2) if math.isfinite(lufs) else None
    report["true_peak_dbtp"] = round(peak, 2) if math.isfinite(peak) else None
    outro = doc.outro
    if outro is not None:
        t = max(outro.start, outro.end - 0.6)
        card = frames_at(path, [t]).get(t)
        report["outro_qr"] = (decode_qr(card) or None) if card is not None else None
        report["frames_checked"] += card is not None
    report["ok"] = not (report["black_frames"] or report["frozen_scenes"] or report["text_clipped"]) and (
        not math.isfinite(peak) or peak <= -0.5)
    return report
