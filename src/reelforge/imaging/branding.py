"""Finding and removing branding (watermarks, logos, overlaid text), and replacing it.

Detection combines OCR text boxes (overlaid text, text watermarks) with a logo detector:
compact blobs near the image's corners and edges whose colour stands out from the local
background and whose outline is crisp (stamped graphics are sharper than photographed objects).

Removal builds a tight mask (the strokes/blob pixels, dilated over anti-aliasing) and inpaints
it coarse-to-fine: Navier-Stokes at low resolution for the large-scale fill, Telea at full
resolution near the mask border for continuity, blended by distance from the border, plus grain
matched to the surroundings so big fills do not look plastic. Pixels outside the mask are never
touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from reelforge.providers.ocr import Box, OcrEngine, default_ocr

_WORK_SIDE = 640  # logo detection runs on a copy this size on its long side
_MIN_OCR_CONFIDENCE = 0.5


@dataclass(frozen=True)
class BrandingRegion:
    box: Box
    kind: str  # "text", "logo" or "explicit"
    text: str = ""
    score: float = 1.0


# --- detection ------------------------------------------------------------------------------


def _pad_box(box: Box, pad: int, size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    w, h = size
    return max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)


def detect_text_regions(img: Image.Image, ocr: OcrEngine) -> list[BrandingRegion]:
    regions = []
    for line in ocr.read(img):
        if line.confidence < _MIN_OCR_CONFIDENCE or not any(ch.isalnum() for ch in line.text):
            continue
        pad = max(3, int(line.height * 0.15))
        regions.append(BrandingRegion(_pad_box(line.box, pad, img.size), "text", line.text, line.confidence))
    return regions


def _local_anomaly(rgb: np.ndarray) -> np.ndarray:
    """Lab colour distance of each pixel from a background estimate: a median over a window
    much wider than a logo (computed at half size, where such windows are affordable), so a
    logo's solid interior still reads as foreign. A median keeps straight natural edges (a
    horizon) in place, and nearest-neighbour upsampling keeps them sharp."""
    h, w = rgb.shape[:2]
    half = cv2.resize(rgb, (max(8, w // 2), max(8, h // 2)), interpolation=cv2.INTER_AREA)
    k = max(5, int(min(half.shape[:2]) * 0.35) | 1)
    background = cv2.resize(cv2.medianBlur(half, min(k, 255)), (w, h), interpolation=cv2.INTER_NEAREST)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab_bg = cv2.cvtColor(background, cv2.COLOR_RGB2LAB).astype(np.float32)
    return np.asarray(np.linalg.norm(lab - lab_bg, axis=2), dtype=np.float32)


def _edge_sharpness(gray: np.ndarray, component: np.ndarray) -> float:
    """Mean gradient magnitude along a component's outline (0..~1000)."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    outline = cv2.morphologyEx(component, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    return float(magnitude[outline].mean()) if outline.any() else 0.0


def detect_logo_regions(img: Image.Image, exclude: list[Box] | None = None) -> list[BrandingRegion]:
    """Compact, high-contrast, crisp-edged blobs near the corners/edges of the image."""
    full_w, full_h = img.size
    scale = min(1.0, _WORK_SIDE / max(full_w, full_h))
    small = img.convert("RGB").resize((max(1, round(full_w * scale)), max(1, round(full_h * scale))),
                                      Image.Resampling.LANCZOS)
    rgb = np.asarray(small)
    h, w = rgb.shape[:2]
    anomaly = _local_anomaly(rgb)
    strong = (anomaly > 45).astype(np.uint8)
    # Opening drops the thin anomaly lines along natural edges; closing joins a logo's parts.
    opened = cv2.morphologyEx(strong, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    candidate = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=8)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edge_band = 0.14 * min(w, h)
    regions: list[BrandingRegion] = []
    for index in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[index])
        if not 0.0012 * w * h <= area <= 0.06 * w * h or bw > 0.4 * w or bh > 0.4 * h:
            continue
        if area / (bw * bh) < 0.3 or max(bw, bh) / max(1, min(bw, bh)) > 5:
            continue
        gap = min(x, y, w - (x + bw), h - (y + bh))
        if gap > edge_band:
            continue  # logos and watermarks sit near corners and edges
        component = (labels == index).astype(np.uint8)
        sharpness = _edge_sharpness(gray, component)
        contrast = float(anomaly[labels == index].mean())
        if sharpness < 120 or contrast < 35:
            continue
        box = (int(x / scale), int(y / scale), int(np.ceil((x + bw) / scale)), int(np.ceil((y + bh) / scale)))
        box = _pad_box(box, max(2, int(3 / scale)), img.size)
        if exclude and any(_overlap(box, other) > 0.5 for other in exclude):
            continue
        regions.append(BrandingRegion(box, "logo", score=min(1.0, contrast / 100)))
    return regions


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / max(1, smaller)


# A stamped graphic's interior is flat to within compression noise (grey-level std over 5x5);
# photographed surfaces, even smooth ones, carry grain above this.
_FLAT_STD = 2.0
# How far around a text line a logo's graphic part (disc, badge, icon) is looked for, and the
# largest gap between them, in text heights.
_MARK_REACH = 2.5
_MARK_GAP = 0.8


def _flat(gray: np.ndarray) -> np.ndarray:
    g = gray.astype(np.float32)
    mean = cv2.blur(g, (5, 5))
    var = np.maximum(cv2.blur(g * g, (5, 5)) - mean * mean, 0)
    return np.asarray(np.sqrt(var) < _FLAT_STD)


def mark_graphics(rgb: np.ndarray, text_box: Box) -> list[Box]:
    """The graphic parts of a logo around one of its text lines: flat-coloured or foreign-coloured
    components (a disc, a badge, an icon) lying wholly inside a zone around the text and within a
    fraction of a text height of it. Components reaching the zone's edge are the photo's own
    surfaces (a plain wall, the sky), not part of the mark."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = text_box
    line_h = max(8, y1 - y0)
    reach = int(_MARK_REACH * line_h)
    zx0, zy0, zx1, zy1 = max(0, x0 - reach), max(0, y0 - reach), min(w, x1 + reach), min(h, y1 + reach)
    zone = rgb[zy0:zy1, zx0:zx1]
    gray = cv2.cvtColor(zone, cv2.COLOR_RGB2GRAY)
    anomaly = _local_anomaly(zone)
    candidate: np.ndarray = (_flat(gray) & (anomaly > 15)).astype(np.uint8)
    tx0, ty0, tx1, ty1 = x0 - zx0, y0 - zy0, x1 - zx0, y1 - zy0
    candidate[max(0, ty0) : ty1, max(0, tx0) : tx1] = 0  # the text itself is already masked
    # Eroding cuts a badge from whatever its thin outline touches (a cup's rim, a white wall);
    # the box grows back over the outline below.
    cut = max(5, int(0.12 * line_h) | 1)
    candidate = cv2.erode(candidate, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (cut, cut)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=8)
    zh, zw = candidate.shape
    gap = _MARK_GAP * line_h
    found: list[Box] = []
    for index in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[index])
        if area < (0.25 * line_h) ** 2 or x == 0 or y == 0 or x + bw >= zw or y + bh >= zh:
            continue
        dx = max(tx0 - (x + bw), x - tx1, 0)
        dy = max(ty0 - (y + bh), y - ty1, 0)
        if max(dx, dy) > gap:
            continue
        # The box grows over the outline and anti-aliasing a flat fill leaves out.
        ring = cut + max(4, int(0.2 * line_h))
        found.append(_pad_box((x + zx0, y + zy0, x + bw + zx0, y + bh + zy0), ring, (w, h)))
    return found


def detect_branding(img: Image.Image, ocr: OcrEngine | None = None, use_ocr: bool = True) -> list[BrandingRegion]:
    """Text (OCR) and logo regions, in full-resolution pixel boxes: each text line with the
    graphics that belong to it (wherever it sits), plus free-standing logos near the edges."""
    regions = detect_text_regions(img, ocr or default_ocr()) if use_ocr else []
    rgb = np.asarray(img.convert("RGB"))
    for text in list(regions):
        regions += [BrandingRegion(box, "logo", text.text, text.score)
                    for box in mark_graphics(rgb, text.box)]
    regions += detect_logo_regions(img)
    return regions


# --- masking --------------------------------------------------------------------------------


# A text pixel differs from its surroundings by at least this much (Lab distance); strokes are
# then widened by a share of the line height to take their outline, shadow and halo too.
_STROKE_CONTRAST = 25.0
_STROKE_GROW = 0.18


def _stroke_mask(rgb: np.ndarray, box: Box) -> np.ndarray:
    """A text line's strokes (with halo) inside its box, as a full-size uint8 mask; the box itself
    when the strokes do not stand out (a faint watermark: better filled whole)."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    line_h = max(4, y1 - y0)
    zx0, zy0, zx1, zy1 = max(0, x0 - line_h), max(0, y0 - line_h), min(w, x1 + line_h), min(h, y1 + line_h)
    anomaly = _local_anomaly(rgb[zy0:zy1, zx0:zx1])
    local = np.zeros(anomaly.shape, np.uint8)
    inside = (slice(y0 - zy0, y1 - zy0), slice(x0 - zx0, x1 - zx0))
    local[inside] = anomaly[inside] > _STROKE_CONTRAST
    mask = np.zeros((h, w), np.uint8)
    if local[inside].mean() < 0.04:
        mask[y0:y1, x0:x1] = 255
        return mask
    k = max(3, int(_STROKE_GROW * line_h) | 1)
    mask[zy0:zy1, zx0:zx1] = cv2.dilate(local, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) * 255
    return mask


def branding_mask(img: Image.Image, regions: list[BrandingRegion]) -> np.ndarray:
    """The fill mask. Text lines: their strokes widened over outline and halo, so the photo
    between the letters stays as it was (less to invent, less smear). Logos and explicit boxes:
    the whole box."""
    rgb = np.asarray(img.convert("RGB"))
    mask = np.zeros((img.height, img.width), np.uint8)
    for region in regions:
        x0, y0, x1, y1 = region.box
        if region.kind == "text":
            mask |= _stroke_mask(rgb, region.box)
        else:
            mask[y0:y1, x0:x1] = 255
    return mask


# --- inpainting -----------------------------------------------------------------------------


def _grain_sigma(rgb: np.ndarray, mask: np.ndarray) -> float:
    """Noise level of the area just around the mask (high-pass std)."""
    ring = cv2.dilate(mask, np.ones((15, 15), np.uint8)) & ~mask
    if not ring.any():
        return 0.0
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    high = gray - cv2.GaussianBlur(gray, (0, 0), 1.5)
    return float(high[ring > 0].std())


def _exemplar_fill(rgb: np.ndarray, hole: np.ndarray, patch: int = 9) -> np.ndarray:
    """Patch-based fill (a simplified Criminisi et al. 2004): repeatedly take the hole-border
    patch with the most known pixels and copy the unknown part from the best-matching fully
    known patch nearby. Unlike diffusion it continues straight structures such as a horizon
    through the hole. Works on a crop around the hole; returns the filled copy of ``rgb``."""
    r = patch // 2
    ys, xs = np.nonzero(hole)
    span = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    pad = max(2 * span, 4 * patch)
    h, w = hole.shape
    wy0, wy1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    wx0, wx1 = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    work = rgb[wy0:wy1, wx0:wx1].copy()
    unknown = hole[wy0:wy1, wx0:wx1].copy()
    wh, ww = unknown.shape
    square = np.ones((patch, patch), np.uint8)
    # Source patches: fully known in the original image, and fully inside the window.
    valid = cv2.erode((~unknown).astype(np.uint8), square, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    valid_centres = valid[r : wh - r, r : ww - r]
    if not valid_centres.any():
        return rgb.copy()
    out = rgb.copy()
    while unknown.any():
        known = (~unknown).astype(np.float32)
        counts = cv2.boxFilter(known, -1, (patch, patch), normalize=False, borderType=cv2.BORDER_CONSTANT)
        front = unknown & (cv2.dilate(known.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
        if not front.any():
            break
        scores = np.where(front, counts, -1.0)
        best_y, best_x = np.unravel_index(int(np.argmax(scores)), scores.shape)
        cy, cx = min(max(int(best_y), r), wh - r - 1), min(max(int(best_x), r), ww - r - 1)
        target = (slice(cy - r, cy + r + 1), slice(cx - r, cx + r + 1))
        known_in_target = ~unknown[target]
        template_mask = np.repeat(known_in_target[..., None], 3, axis=2).astype(np.uint8)
        cost = cv2.matchTemplate(work, work[target], cv2.TM_SQDIFF, mask=template_mask)
        cost = np.where(valid_centres, cost, np.inf)
        sy, sx = np.unravel_index(int(np.argmin(cost)), cost.shape)
        source = work[sy : sy + patch, sx : sx + patch]
        fill = ~known_in_target
        work[target][fill] = source[fill]
        unknown[target] = False
    out[wy0:wy1, wx0:wx1] = work
    return out


def _coarse_fill(rgb: np.ndarray, mask: np.ndarray, max_hole: int = 64) -> np.ndarray:
    """Exemplar fill at a resolution where the hole is at most ``max_hole`` px across, then
    scaled back up (the fine detail comes back as grain in :func:`inpaint`)."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    span = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    factor = max(1.0, span / max_hole)
    size = (max(16, round(w / factor)), max(16, round(h / factor)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if factor > 1 else rgb
    small_mask = cv2.resize(mask, size, interpolation=cv2.INTER_AREA) > 0 if factor > 1 else mask > 0
    small_mask = cv2.dilate(small_mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    filled = _exemplar_fill(small, small_mask)
    if factor > 1:
        filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC)
    return filled


# Mean colour difference (0-255 per channel) between the patch fill and the diffusion fill, both
# blurred, above which the patches are judged to come from the wrong surface.
_PATCH_DISAGREEMENT = 20.0


def _disagrees(coarse: np.ndarray, fine: np.ndarray, component: np.ndarray) -> bool:
    a = cv2.GaussianBlur(coarse, (0, 0), 4)
    b = cv2.GaussianBlur(fine.astype(np.float32), (0, 0), 4)
    return float(np.abs(a - b)[component].mean()) > _PATCH_DISAGREEMENT


def inpaint(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fill ``mask`` (uint8, 255 = fill) in an RGB uint8 array; returns a new array.

    Thin marks (text strokes) are filled by Telea at full resolution. Thick ones (logos) get a
    patch-based coarse fill for structure, Telea near the border for continuity, blended by
    distance from the border, plus grain matching the surroundings."""
    if not mask.any():
        return rgb.copy()
    h, w = mask.shape
    fine = cv2.inpaint(rgb, mask, 5, cv2.INPAINT_TELEA)
    fill = fine.astype(np.float32)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), connectivity=8)
    distance = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5)
    sigma = _grain_sigma(rgb, mask)
    rng = np.random.default_rng(0)
    for index in range(1, count):
        x, y, bw, bh, _area = (int(v) for v in stats[index])
        component = labels == index
        if distance[component].max() <= 6:
            continue  # thin strokes: Telea alone is right
        coarse = _coarse_fill(rgb, component.astype(np.uint8) * 255).astype(np.float32)
        if _disagrees(coarse, fine, component):
            continue  # the patches came from another surface (a cup for a table): keep the diffusion
        weight = np.clip((distance - 2) / 6, 0, 1)[..., None] * component[..., None]
        if sigma > 0.5:
            coarse += rng.normal(0, sigma, size=(h, w, 1)).astype(np.float32)
        fill = fill * (1 - weight) + coarse * weight
    out = rgb.copy()
    inside = mask > 0
    out[inside] = np.clip(fill[inside], 0, 255).astype(np.uint8)
    return out


# --- public API -----------------------------------------------------------------------------


def _merge_boxes(regions: list[BrandingRegion]) -> list[Box]:
    """Merge overlapping boxes so the caller gets one box per mark."""
    boxes = [list(r.box) for r in regions]
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return [(b[0], b[1], b[2], b[3]) for b in boxes]


def _remove(
    img: Image.Image, regions: list[Box] | None, ocr: OcrEngine | None, detect: bool | None
) -> tuple[Image.Image, list[BrandingRegion]]:
    rgb_img = img.convert("RGB")
    found: list[BrandingRegion] = []
    for box in regions or []:
        x0, y0, x1, y1 = (int(v) for v in box)
        clipped = (max(0, x0), max(0, y0), min(img.width, x1), min(img.height, y1))
        if clipped[2] > clipped[0] and clipped[3] > clipped[1]:
            found.append(BrandingRegion(clipped, "explicit"))
    if detect or (detect is None and not regions):
        found += detect_branding(rgb_img, ocr)
    if not found:
        return rgb_img.copy(), []
    clean = Image.fromarray(inpaint(np.asarray(rgb_img), branding_mask(rgb_img, found)))
    if img.mode == "RGBA":
        clean.putalpha(img.getchannel("A"))
    return clean, found


def remove_branding(
    img: Image.Image,
    regions: list[Box] | None = None,
    *,
    ocr: OcrEngine | None = None,
    detect: bool | None = None,
) -> tuple[Image.Image, list[Box]]:
    """Remove watermarks, logos and overlaid text. Returns ``(clean_image, removed_boxes)``
    (overlapping boxes merged).

    ``regions`` (pixel boxes ``(x0, y0, x1, y1)``) are removed as given; automatic detection
    runs when no regions are given, or also when ``detect=True``. ``ocr`` overrides the OCR
    engine (default: RapidOCR). Pixels outside the removed marks are left untouched.
    """
    clean, found = _remove(img, regions, ocr, detect)
    return clean, _merge_boxes(found)


def _with_alpha(logo: Image.Image) -> Image.Image:
    """An RGBA logo; a flat background colour (taken from the border) is keyed out softly."""
    if logo.mode in ("RGBA", "LA") or (logo.mode == "P" and "transparency" in logo.info):
        return logo.convert("RGBA")
    rgb = np.asarray(logo.convert("RGB")).astype(np.int16)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    if border.std(axis=0).max() > 12:
        return logo.convert("RGBA")  # no flat background: keep the logo as a rectangle
    distance = np.abs(rgb - np.median(border, axis=0)).max(axis=2)
    alpha = np.clip((distance - 10) * 12, 0, 255).astype(np.uint8)
    out = logo.convert("RGBA")
    out.putalpha(Image.fromarray(alpha))
    return out


def place_logo(img: Image.Image, logo: Image.Image, box: Box, padding: float = 0.06) -> Image.Image:
    """Paste ``logo`` scaled to fit inside ``box`` (aspect kept, centred, small padding)."""
    x0, y0, x1, y1 = box
    avail_w, avail_h = (x1 - x0) * (1 - 2 * padding), (y1 - y0) * (1 - 2 * padding)
    rgba = _with_alpha(logo)
    scale = min(avail_w / rgba.width, avail_h / rgba.height)
    size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
    fitted = rgba.resize(size, Image.Resampling.LANCZOS)
    out = img.convert("RGBA")
    out.alpha_composite(fitted, (x0 + ((x1 - x0) - size[0]) // 2, y0 + ((y1 - y0) - size[1]) // 2))
    return out if img.mode == "RGBA" else out.convert("RGB")


def replace_branding(
    img: Image.Image,
    replacement_logo: Image.Image,
    regions: list[Box] | None = None,
    *,
    ocr: OcrEngine | None = None,
) -> Image.Image:
    """Remove the branding, then put ``replacement_logo`` where the old logo was (the largest
    logo region; else the largest explicit or text region), scaled to fit with its aspect kept.
    With no branding found the logo goes to the bottom-right corner at 18 % of the width."""
    clean, found = _remove(img, regions, ocr, None)
    if found:
        # A logo's spot is where a logo belongs; text boxes are the fallback.
        preference = {"logo": 2, "explicit": 1, "text": 0}
        best = max(found, key=lambda r: (preference[r.kind], (r.box[2] - r.box[0]) * (r.box[3] - r.box[1])))
        target = best.box
    else:
        side = int(img.width * 0.18)
        margin = int(img.width * 0.03)
        target = (img.width - margin - side, img.height - margin - side, img.width - margin, img.height - margin)
    return place_logo(clean, replacement_logo, target)
