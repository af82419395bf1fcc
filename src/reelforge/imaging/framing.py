"""Subject- and text-aware framing of a photo into a (moving) video frame.

A scene still is larger than the canvas (the camera pans across it), so what must stay whole is
not "inside the still" but inside every window the camera shows, and inside the part of the
canvas that nothing covers (the footer card, captions, a phone app's buttons): the *safe box*.
:func:`frame_image` scales and places the photo so that its printed text (OCR boxes) and its
salient subject land in that box, as large as a full-bleed crop allows; when no crop can, the
photo is shown smaller over a blurred, colour-matched fill made from itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageStat

from reelforge.imaging.saliency import saliency_map

Box = tuple[int, int, int, int]
FloatBox = tuple[float, float, float, float]

_SUBJECT_LEVEL = 0.6  # saliency share (of the map's maximum) that counts as the subject
_TEXT_PAD = 0.015  # padding around text boxes, as a share of the photo's longer side
_MIN_TEXT_HEIGHT = 0.012  # OCR lines lower than this share of the photo's height are texture
_FILL_BLUR = 0.04  # blur radius of the fill, as a share of the still's longer side


@dataclass(frozen=True)
class SafeArea:
    """The part of the canvas (fractions of width and height) where key content is never covered."""

    left: float
    top: float
    right: float
    bottom: float


def safe_area(width: int, height: int, footer_fraction: float = 0.0) -> SafeArea:
    """Landscape: clear of the footer card and the caption band. Portrait (9:16 apps): also clear of
    the bottom ~20 % the app's caption and controls take, and of the right-edge button column."""
    if height > width:
        return SafeArea(0.05, 0.06, 0.84, 1 - max(0.22, footer_fraction + 0.04))
    return SafeArea(0.04, 0.05, 0.96, 1 - max(0.16, footer_fraction + 0.04))


@dataclass(frozen=True)
class Placement:
    scale: float  # photo pixels -> still pixels
    x: float  # the photo's top-left corner on the still
    y: float
    filled: bool  # True when the photo does not cover the still (a blurred fill shows)


def _union(boxes: Sequence[FloatBox]) -> FloatBox | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def subject_box(img: Image.Image) -> FloatBox | None:
    """The bounding box of the most salient region (photo pixels)."""
    sal = saliency_map(img)
    ys, xs = np.nonzero(sal >= _SUBJECT_LEVEL * float(sal.max() or 1.0))
    if len(xs) == 0:
        return None
    sx, sy = img.width / sal.shape[1], img.height / sal.shape[0]
    return float(xs.min() * sx), float(ys.min() * sy), float((xs.max() + 1) * sx), float((ys.max() + 1) * sy)


def text_boxes(img: Image.Image, read: Callable[[Image.Image], Sequence[Box]]) -> list[FloatBox]:
    """Padded boxes of the printed text lines ``read`` finds (tiny lines are texture, not text)."""
    pad = _TEXT_PAD * max(img.size)
    boxes = []
    for x0, y0, x1, y1 in read(img):
        if (y1 - y0) < _MIN_TEXT_HEIGHT * img.height:
            continue
        boxes.append((max(0.0, x0 - pad), max(0.0, y0 - pad), min(img.width, x1 + pad), min(img.height, y1 + pad)))
    return boxes


def _axis_offset(length: float, still: float, keep: tuple[float, float], safe: tuple[float, float],
                 scale: float, prefer: float) -> tuple[float, bool]:
    """Offset of the photo along one axis: the keep span inside the safe span; the photo covering
    the still when it can. Returns (offset, covers)."""
    low, high = safe[0] - keep[0] * scale, safe[1] - keep[1] * scale  # keep span inside safe span
    size = length * scale
    cover_low, cover_high = (still - size, 0.0) if size >= still else (0.0, still - size)
    lo, hi = max(low, cover_low), min(high, cover_high)
    covers = size >= still - 0.5 and lo <= hi + 1e-6
    if lo > hi:  # cannot also cover: keep the text whole, centred in its allowed range
        lo, hi = (low, high) if low <= high else (high, low)
    return min(max(prefer, lo), hi), covers


def place(photo: tuple[int, int], still: tuple[int, int], safe: FloatBox, keep: FloatBox | None,
          focus: tuple[float, float]) -> Placement:
    """Scale and position for ``photo`` on ``still`` with ``keep`` inside ``safe`` (still pixels).

    Tries the full-bleed (cover) scale first and only shrinks the photo as far as keeping the box
    whole needs; ``focus`` (photo pixels) is centred as well as the constraints allow.
    """
    width, height = photo
    cover = max(still[0] / width, still[1] / height)
    if keep is None:
        keep = (focus[0], focus[1], focus[0], focus[1])
    keep_w, keep_h = max(1.0, keep[2] - keep[0]), max(1.0, keep[3] - keep[1])
    largest = min((safe[2] - safe[0]) / keep_w, (safe[3] - safe[1]) / keep_h)
    scale = min(cover, largest)
    centre = ((safe[0] + safe[2]) / 2, (safe[1] + safe[3]) / 2)
    x, covers_x = _axis_offset(width, still[0], (keep[0], keep[2]), (safe[0], safe[2]), scale,
                               centre[0] - focus[0] * scale)
    y, covers_y = _axis_offset(height, still[1], (keep[1], keep[3]), (safe[1], safe[3]), scale,
                               centre[1] - focus[1] * scale)
    return Placement(scale, x, y, filled=not (covers_x and covers_y))


def blurred_fill(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The photo itself, scaled to cover ``size``, blurred and pulled towards its mean colour."""
    scale = max(size[0] / img.width, size[1] / img.height)
    small = img.resize((max(1, round(img.width * scale / 8)), max(1, round(img.height * scale / 8))),
                       Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(_FILL_BLUR * max(size) / 8))
    grown = small.resize((round(small.width * 8), round(small.height * 8)), Image.Resampling.BILINEAR)
    left, top = (grown.width - size[0]) // 2, (grown.height - size[1]) // 2
    fill = grown.crop((left, top, left + size[0], top + size[1]))
    mean = tuple(int(v) for v in ImageStat.Stat(img).mean[:3])
    return Image.blend(fill, Image.new("RGB", size, mean), 0.35)


def render_placement(img: Image.Image, still: tuple[int, int], placement: Placement) -> Image.Image:
    scaled = img.resize((max(1, round(img.width * placement.scale)), max(1, round(img.height * placement.scale))),
                        Image.Resampling.LANCZOS)
    base = blurred_fill(img, still) if placement.filled else Image.new("RGB", still)
    base.paste(scaled, (round(placement.x), round(placement.y)))
    return base


def frame_image(img: Image.Image, still: tuple[int, int], safe: FloatBox,
                read_text: Callable[[Image.Image], Sequence[Box]] | None) -> tuple[Image.Image, Placement]:
    """``img`` framed on a ``still``-sized picture with its text and subject inside ``safe``.

    The text must stay whole; the subject joins it when a full-bleed framing can hold both, and
    is dropped from the constraint (its centre stays the focus) otherwise.
    """
    rgb = img.convert("RGB")
    texts = text_boxes(rgb, read_text) if read_text is not None else []
    subject = subject_box(rgb)
    text = _union(texts)
    focus_box = subject or (0.0, 0.0, float(rgb.width), float(rgb.height))
    focus = ((focus_box[0] + focus_box[2]) / 2, (focus_box[1] + focus_box[3]) / 2)
    candidates = [_union([b for b in (text, subject) if b is not None]), text]
    # The first that covers the still wins. When none does, the last (the text alone) stands: the
    # smallest shrink that keeps the text whole, so the least blurred fill shows.
    for keep in candidates:
        placement = place(rgb.size, still, safe, keep, focus)
        if not placement.filled:
            break
    return render_placement(rgb, still, placement), placement
