"""Roll-up banner rendering in bounded memory.

A print banner is large (120 tiles of 2020 x 2526 in 4 columns: 8 230 x 76 000 px, 1.9 GB as
RGB) and its inputs may be 64 MP each, so nothing holds the whole: each image is decoded when
its tile is drawn, at the size it is drawn (JPEG decodes at 1/2, 1/4 or 1/8 scale through
``draft``; other formats are reduced right after decoding), and the banner is drawn one row of
tiles at a time, each strip streamed into the PNG (``pypng``, zlib level 1) and shrunk into the
thumbnail. Tiles that repeat are kept only within a fixed budget; past it they are drawn again.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from PIL import Image

from .png import write_png_rows
from .rollup import REFERENCE_TILE, RollupBannerRequest, RollupInputError, RollupItem, fonts_for, render_tile

Box = tuple[int, int, int, int]

THUMBNAIL_WIDTH = 600
TILE_CACHE_BYTES = 256 * 1024 * 1024  # repeated tiles kept drawn, at most this much
# Print banners are big (~440 MB of pixels for the docs' 28 tiles): deflate is most of their render,
# so they are written by imaging/png.py (ISA-L) at its fastest level.
PNG_COMPRESSION = 1
SCANLINE_BATCH = 256  # rows copied out of a strip (and deflated) at a time


class ImageSource(Protocol):
    """The banner's images by URL (or blob key), decoded on demand."""

    def size(self, url: str) -> tuple[int, int]:
        """(width, height) without decoding the pixels."""
        ...

    def load(self, url: str, at_least: tuple[int, int]) -> Image.Image:
        """The image in RGB, reduced where the format allows but no smaller than ``at_least``."""
        ...


def open_at_least(path: Path, at_least: tuple[int, int]) -> Image.Image:
    """Decode an image file no larger than needed to cover ``at_least`` (RGB)."""
    with Image.open(path) as img:
        img.draft("RGB", at_least)  # JPEG only: DCT-domain scaling, never below the requested size
        img.load()
        factor = min(img.width // max(1, at_least[0]), img.height // max(1, at_least[1]))
        reduced = img.reduce(factor) if factor >= 2 else img
        return reduced.convert("RGB")


@dataclass(frozen=True)
class FileSource:
    """Images read from files, e.g. the blob store's (``path_of`` maps a key to its file)."""

    path_of: Callable[[str], Path]

    def size(self, url: str) -> tuple[int, int]:
        with Image.open(self.path_of(url)) as img:
            return img.size

    def load(self, url: str, at_least: tuple[int, int]) -> Image.Image:
        return open_at_least(self.path_of(url), at_least)


@dataclass(frozen=True)
class MappingSource:
    """Images already decoded (tests, small previews)."""

    images: Mapping[str, Image.Image]

    def _get(self, url: str) -> Image.Image:
        image = self.images.get(url)
        if image is None:
            raise KeyError(url)
        return image

    def size(self, url: str) -> tuple[int, int]:
        return self._get(url).size

    def load(self, url: str, at_least: tuple[int, int]) -> Image.Image:
        return self._get(url).convert("RGB")


@dataclass(frozen=True)
class RollupBanner:
    width: int
    height: int
    thumbnail: Image.Image
    tile_boxes: list[Box]  # pixel box of every tile in the banner, row-major
    columns: int
    rows: int
    input_image_urls: list[str]  # distinct tile URLs used, before repetition


@dataclass(frozen=True)
class RenderedBanner(RollupBanner):
    banner: Image.Image


def _checked(source: ImageSource, url: str, field: str) -> tuple[int, int]:
    try:
        return source.size(url)
    except (KeyError, FileNotFoundError) as exc:
        raise RollupInputError(field, f"image {url!r} was not fetched") from exc


def _band_height(source: ImageSource, url: str | None, field: str, width: int) -> int:
    """The height of a header/footer image scaled to the banner width (0 without one)."""
    if not url:
        return 0
    w, h = _checked(source, url, field)
    return max(1, round(h * width / w))


def _band(source: ImageSource, url: str | None, field: str, width: int) -> Image.Image | None:
    """A header/footer image scaled to the banner width."""
    if not url:
        return None
    height = _band_height(source, url, field, width)
    return source.load(url, (width, height)).resize((width, height), Image.Resampling.LANCZOS)


class _Tiles:
    """Draws tiles on demand; keeps the ones drawn again later while they fit the budget."""

    def __init__(self, request: RollupBannerRequest, source: ImageSource, size: tuple[int, int]) -> None:
        self.request, self.source, self.size = request, source, size
        self.tiling = request.tiling
        self.fonts = fonts_for(self.tiling)
        self.cache: dict[int, Image.Image] = {}
        self.keep = TILE_CACHE_BYTES // (size[0] * size[1] * 3)

    def draw(self, index: int, item: RollupItem) -> Image.Image:
        key = index % len(self.request.items)
        if key in self.cache:
            return self.cache[key]
        field = f"image_list[{key}]"
        _checked(self.source, item.source_url, field)
        tile = render_tile(self.source.load(item.source_url, self.size), item, self.size, self.tiling, self.fonts)
        repeats = index + len(self.request.items) < self.request.max_tiles
        if repeats and len(self.cache) < self.keep:
            self.cache[key] = tile
        return tile


def write_rollup_banner(
    request: RollupBannerRequest,
    source: ImageSource,
    out: BinaryIO,
    *,
    tile_width: int = REFERENCE_TILE[0],
    thumbnail_width: int = THUMBNAIL_WIDTH,
    background: tuple[int, int, int] = (245, 243, 238),
) -> RollupBanner:
    """Write the banner as PNG to ``out``: header image, ``max_tiles`` tiles in ``columns``
    columns (the last, partial row centred), footer image; returns its geometry and a thumbnail
    ``thumbnail_width`` px wide.

    ``source`` holds every URL of :meth:`RollupBannerRequest.image_urls_needed`. ``tile_width``
    defaults to the print size (2020 px; tiles are 2020 x 2526); pass a smaller width for
    previews. Raises :class:`RollupInputError` for a missing image.
    """
    tile_w = max(64, tile_width)
    tile_h = round(tile_w * REFERENCE_TILE[1] / REFERENCE_TILE[0])
    gutter = max(4, round(tile_w * 0.015))
    columns = request.columns
    items = request.expanded_items()
    rows = -(-len(items) // columns)
    width = columns * tile_w + (columns + 1) * gutter

    # Header and footer are drawn when their strip is written: only their heights are needed now.
    grid_top = _band_height(source, request.header_image_url, "header_image_url", width)
    footer_h = _band_height(source, request.footer_image_url, "footer_image_url", width)
    height = grid_top + rows * tile_h + (rows + 1) * gutter + footer_h
    thumb_w = min(thumbnail_width, width)
    thumbnail = Image.new("RGB", (thumb_w, max(1, round(height * thumb_w / width))), background)
    tiles = _Tiles(request, source, (tile_w, tile_h))
    boxes: list[Box] = []

    def grid_strip(row: int) -> Image.Image:
        """Tile row ``row`` with the gutter above it (and below it, for the last row)."""
        strip_h = tile_h + gutter + (gutter if row == rows - 1 else 0)
        strip = Image.new("RGB", (width, strip_h), background)
        top = grid_top + row * (tile_h + gutter)
        in_row = min(columns, len(items) - row * columns)
        x_offset = (columns - in_row) * (tile_w + gutter) // 2  # centre a partial last row
        for col in range(in_row):
            index = row * columns + col
            x = gutter + x_offset + col * (tile_w + gutter)
            strip.paste(tiles.draw(index, items[index]), (x, gutter))
            boxes.append((x, top + gutter, x + tile_w, top + gutter + tile_h))
        return strip

    def strips() -> Iterator[Image.Image]:
        header = _band(source, request.header_image_url, "header_image_url", width)
        if header:
            yield header
        del header
        for row in range(rows):
            yield grid_strip(row)
        footer = _band(source, request.footer_image_url, "footer_image_url", width)
        if footer:
            yield footer

    def row_batches() -> Iterator[Image.Image]:
        top = 0
        for strip in strips():
            # Each strip's share of the thumbnail, from rounded cumulative edges so they tile exactly.
            y0, y1 = round(top * thumbnail.height / height), round((top + strip.height) * thumbnail.height / height)
            if y1 > y0:
                thumbnail.paste(strip.resize((thumb_w, y1 - y0), Image.Resampling.LANCZOS), (0, y0))
            top += strip.height
            for y in range(0, strip.height, SCANLINE_BATCH):  # a band may be tall: copy it out in pieces
                yield strip.crop((0, y, width, min(strip.height, y + SCANLINE_BATCH)))

    write_png_rows(out, width, height, "RGB", (batch.convert("RGB") for batch in row_batches()), PNG_COMPRESSION)
    used = list(dict.fromkeys(item.source_url for item in request.items))
    return RollupBanner(width, height, thumbnail, boxes, columns, rows, used)


def render_rollup_banner(
    request: RollupBannerRequest,
    images: Mapping[str, Image.Image] | ImageSource,
    *,
    tile_width: int = REFERENCE_TILE[0],
    thumbnail_width: int = THUMBNAIL_WIDTH,
) -> RenderedBanner:
    """The banner as an image in memory: for previews and tests; print banners use
    :func:`write_rollup_banner` into a file."""
    source = MappingSource(images) if isinstance(images, Mapping) else images
    buf = io.BytesIO()
    result = write_rollup_banner(request, source, buf, tile_width=tile_width, thumbnail_width=thumbnail_width)
    buf.seek(0)
    with Image.open(buf) as banner:
        banner.load()
        return RenderedBanner(**vars(result), banner=banner.copy())
