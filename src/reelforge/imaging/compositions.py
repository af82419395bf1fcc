"""New images composed from a set of photos: the product cut out onto a generated studio
background, detail crops reframed around the subject, and collages. Each is a new picture, not
the input re-graded; :func:`similarity` (SSIM) is how callers check that.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
from cachetools import LRUCache, cached
from PIL import Image, ImageFilter

from reelforge.core.hashing import content_hash

from .saliency import cover, saliency_map

# Backdrop styles for the cut-out product: (how the light falls, how dark the colour is kept).
BACKDROPS: tuple[str, ...] = ("studio", "spotlight", "duotone", "floor")
_GRABCUT_SIDE = 360  # GrabCut runs at this size: seconds at full size, a fraction here
_SSIM_SIDE = 512


def similarity(a: Image.Image, b: Image.Image) -> float:
    """Structural similarity (SSIM, Wang et al. 2004) of two images' luminance, ``b`` resized to
    ``a``'s size; 1.0 means identical structure."""
    if max(a.size) > _SSIM_SIDE:  # structure is judged at a screen-ish size: cheaper, same verdict
        k = _SSIM_SIDE / max(a.size)
        a = a.resize((max(8, round(a.width * k)), max(8, round(a.height * k))))
    x = np.asarray(a.convert("L"), np.float64)
    y = np.asarray(b.convert("L").resize(a.size, Image.Resampling.LANCZOS), np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return np.asarray(cv2.GaussianBlur(v, (11, 11), 1.5))

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(ssim.mean())


def palette(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(dominant colour, accent colour) of an image, RGB floats: k-means on a thumbnail."""
    small = np.asarray(img.convert("RGB").resize((64, 64)), np.float32).reshape(-1, 3)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    unused = np.zeros((small.shape[0], 1), np.int32)  # initial labels: ignored with k-means++ seeding
    _, labels, centres = cv2.kmeans(small, 3, unused, criteria, 3, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=3)
    order = np.argsort(-counts)
    return centres[order[0]], centres[order[1]]


# Cut-outs of pixels seen lately. GrabCut and the full-size alpha cost ~0.6 s a 960 px photo, and the
# same photos come back: an image set asked again with another count, aspect or prompt, the same
# catalogue photo in several requests. Kept up to 96 MB of RGBA, copied out.
_cutouts: LRUCache[str, Image.Image] = LRUCache(maxsize=96 * 2**20, getsizeof=lambda im: im.width * im.height * 4)


def cut_out(img: Image.Image, saliency: np.ndarray | None = None) -> Image.Image:
    """The subject as RGBA (soft alpha), cropped to it: GrabCut seeded with the salient region's
    box (definite background outside it)."""
    return _cut_out(img.convert("RGB"), saliency).copy()


def _cut_out_key(rgb: Image.Image, saliency: np.ndarray | None) -> str:
    return content_hash({"pixels": rgb.tobytes(), "size": list(rgb.size),
                         "saliency": None if saliency is None else np.asarray(saliency, np.float32).tobytes()})


@cached(_cutouts, key=_cut_out_key, lock=threading.Lock())
def _cut_out(rgb: Image.Image, saliency: np.ndarray | None) -> Image.Image:
    scale = min(1.0, _GRABCUT_SIDE / max(rgb.size))
    small = np.asarray(rgb.resize((max(8, round(rgb.width * scale)), max(8, round(rgb.height * scale)))))
    h, w = small.shape[:2]
    sal = cv2.resize(saliency if saliency is not None else saliency_map(rgb), (w, h))
    ys, xs = np.nonzero(sal > max(0.35, float(np.percentile(sal, 80))))
    if len(xs) == 0:
        x0, y0, x1, y1 = w // 6, h // 6, w - w // 6, h - h // 6
    else:
        pad_x, pad_y = int(0.08 * w), int(0.08 * h)
        x0, y0 = max(1, int(xs.min()) - pad_x), max(1, int(ys.min()) - pad_y)
        x1, y1 = min(w - 1, int(xs.max()) + pad_x), min(h - 1, int(ys.max()) + pad_y)
    mask = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(np.ascontiguousarray(small[:, :, ::-1]), mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, 4,
                cv2.GC_INIT_WITH_RECT)
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    # Keep the largest piece: GrabCut leaves specks of look-alike background.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count > 1:
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = np.where(labels == biggest, 255, 0).astype(np.uint8)
    alpha = Image.fromarray(fg).resize(rgb.size, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1.2))
    out = rgb.convert("RGBA")
    out.putalpha(alpha)
    box = alpha.point(lambda v: 255 if v > 32 else 0).getbbox()
    return out.crop(box) if box else out


def backdrop(size: tuple[int, int], colours: tuple[np.ndarray, np.ndarray], style: str) -> Image.Image:
    """A generated background in the product's own colours: a studio sweep, a spotlight, a
    two-tone split or a floor with a horizon."""
    w, h = size
    base, accent = colours
    light = np.clip(base * 0.35 + 255 * 0.65, 0, 255)
    dark = np.clip(accent * 0.45, 0, 255)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if style == "spotlight":
        r = np.sqrt(((xx - w / 2) / w) ** 2 + ((yy - h * 0.42) / h) ** 2)
        t = np.clip(r / 0.75, 0, 1)
    elif style == "duotone":
        t = np.clip((xx / w + yy / h - 0.6) * 2.2, 0, 1)
    elif style == "floor":
        horizon = 0.62 * h
        t = np.where(yy < horizon, 0.15 + 0.25 * yy / horizon, 0.75 - 0.35 * (yy - horizon) / (h - horizon))
    else:  # studio sweep: light at the top falling to a darker floor
        t = np.clip(yy / h, 0, 1) ** 1.6
    field = light[None, None, :] * (1 - t[..., None]) + dark[None, None, :] * t[..., None]
    grain = np.random.default_rng(w * 31 + h).normal(0, 2.0, field.shape[:2])[..., None]
    return Image.fromarray(np.clip(field + grain, 0, 255).astype(np.uint8))


def on_backdrop(subject: Image.Image, size: tuple[int, int], colours: tuple[np.ndarray, np.ndarray],
                style: str, offset: float = 0.0) -> Image.Image:
    """``subject`` (RGBA cut-out) placed on a generated backdrop with a soft contact shadow;
    ``offset`` (-1..1) moves it along the rule-of-thirds line."""
    w, h = size
    canvas = backdrop(size, colours, style).convert("RGBA")
    scale = min(0.72 * h / subject.height, 0.62 * w / subject.width)
    fitted = subject.resize((max(1, round(subject.width * scale)), max(1, round(subject.height * scale))),
                            Image.Resampling.LANCZOS)
    x = round((w - fitted.width) / 2 + offset * w / 6)
    y = round(h * 0.86 - fitted.height)
    shadow = Image.new("L", size, 0)
    sh_w, sh_h = int(fitted.width * 0.9), max(4, int(fitted.height * 0.07))
    shadow.paste(150, (x + (fitted.width - sh_w) // 2, y + fitted.height - sh_h // 2,
                       x + (fitted.width + sh_w) // 2, y + fitted.height + sh_h // 2))
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(3, sh_h)))
    dark = Image.new("RGBA", size, (0, 0, 0, 0))
    dark.putalpha(shadow)
    canvas = Image.alpha_composite(canvas, dark)
    canvas.alpha_composite(fitted, (x, y))
    return canvas.convert("RGB")


def detail(img: Image.Image, size: tuple[int, int], saliency: np.ndarray, rank: int) -> Image.Image:
    """A close-up: the ``rank``-th most salient spot (0: the strongest) framed at about 40 % of
    the picture, enlarged to ``size`` and sharpened a little."""
    sal = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2)
    h, w = sal.shape
    peaks: list[tuple[int, int]] = []
    work = sal.copy()
    for _ in range(rank + 1):
        y, x = np.unravel_index(int(np.argmax(work)), work.shape)
        peaks.append((int(x), int(y)))
        cv2.circle(work, (int(x), int(y)), max(3, int(0.25 * max(w, h))), 0.0, -1)
    px, py = peaks[-1]
    aspect = size[0] / size[1]
    crop_h = min(img.height, img.width / aspect) * 0.42
    crop_w = crop_h * aspect
    cx, cy = (px + 0.5) / w * img.width, (py + 0.5) / h * img.height
    x0 = min(max(0.0, cx - crop_w / 2), img.width - crop_w)
    y0 = min(max(0.0, cy - crop_h / 2), img.height - crop_h)
    crop = img.convert("RGB").crop((round(x0), round(y0), round(x0 + crop_w), round(y0 + crop_h)))
    return crop.resize(size, Image.Resampling.LANCZOS).filter(ImageFilter.UnsharpMask(2, 60, 2))


def collage(images: list[Image.Image], size: tuple[int, int], layout: int) -> Image.Image:
    """Two to four pictures in a grid with gutters on a background in their shared colour.
    ``layout`` picks the arrangement (feature left, feature top, even grid)."""
    w, h = size
    gutter = max(4, round(0.02 * min(w, h)))
    tiles = images[:4] if len(images) >= 2 else images * 2
    n = len(tiles)
    cells: list[tuple[int, int, int, int]]
    if n == 2:
        cells = ([(0, 0, w // 2, h), (w // 2, 0, w, h)] if layout % 2 == 0 or w >= h
                 else [(0, 0, w, h // 2), (0, h // 2, w, h)])
    elif n == 3:
        cells = ([(0, 0, w * 3 // 5, h), (w * 3 // 5, 0, w, h // 2), (w * 3 // 5, h // 2, w, h)] if layout % 2 == 0
                 else [(0, 0, w, h * 3 // 5), (0, h * 3 // 5, w // 2, h), (w // 2, h * 3 // 5, w, h)])
    else:
        cells = [(0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2), (0, h // 2, w // 2, h), (w // 2, h // 2, w, h)]
    order = tiles[layout % n:] + tiles[: layout % n]
    base, _ = palette(order[0])
    canvas = Image.new("RGB", size, tuple(int(v) for v in np.clip(base * 0.25 + 245 * 0.75, 0, 255)))
    for tile, (x0, y0, x1, y1) in zip(order, cells, strict=False):
        cw, ch = x1 - x0 - 2 * gutter, y1 - y0 - 2 * gutter
        if cw > 0 and ch > 0:
            canvas.paste(cover(tile.convert("RGB"), (cw, ch)), (x0 + gutter, y0 + gutter))
    return canvas
