"""A print-size roll-up of 122 images (120 tiles + header + footer), each at the 64 MP pixel
limit, renders with the process's peak RSS under 1.5 GB (measured: VmHWM of a fresh process).

The banner is 8 230 x 76 000 px (1.9 GB as RGB): it only fits because every image is decoded
when its tile is drawn, at the size it is drawn, and the banner is streamed to PNG in strips.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CEILING_KB = 1_500_000

CHILD = r"""
import io, json, os, sys, time
from pathlib import Path
from typing import Any
from PIL import Image, ImageDraw
from reelforge.imaging.rollup import RollupBannerRequest
from reelforge.imaging.rollup_render import FileSource, write_rollup_banner

root = Path(sys.argv[1])
img = Image.linear_gradient("L").resize((8000, 8000)).convert("RGB")  # 64 MP: the pixel limit
ImageDraw.Draw(img).ellipse((1500, 2000, 6500, 6000), fill=(200, 40, 60))
img.save(root / "tile-0.jpg", quality=85)
del img
tiles = int(sys.argv[2])
for i in range(1, tiles + 2):  # tiles + 2 distinct files (hard links: the same bytes, stored once on disk)
    os.link(root / "tile-0.jpg", root / f"tile-{i}.jpg")
request = RollupBannerRequest.model_validate({
    "image_list": [{"image_url": f"tile-{i}.jpg", "title": f"Tile {i}"} for i in range(tiles)],
    "header_image_url": f"tile-{tiles}.jpg", "footer_image_url": f"tile-{tiles + 1}.jpg",
    "columns": 4, "max_tiles": tiles,
})
started = time.monotonic()
with open(root / "banner.png", "wb") as out:
    banner = write_rollup_banner(request, FileSource(lambda key: root / key), out)
seconds = time.monotonic() - started
peak_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
import png  # Pillow refuses to open a 614 MP file (decompression-bomb guard): read the header only
size = list(png.Reader(filename=str(root / "banner.png")).read()[:2])
print(json.dumps({"peak_kb": peak_kb, "size": size, "width": banner.width, "height": banner.height,
                  "tiles": len(banner.tile_boxes), "seconds": round(seconds, 1)}))
"""


def _render(tmp_path: Path, tiles: int) -> dict[str, Any]:
    command = [sys.executable, "-c", CHILD, str(tmp_path), str(tiles)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["tiles"] == tiles and result["size"] == [result["width"], result["height"]]
    assert result["width"] == 4 * 2020 + 5 * 30 and result["height"] > tiles // 4 * 2526
    print(result)
    return result


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc")
def test_18_images_at_the_pixel_limit_render_under_the_memory_ceiling(tmp_path: Path) -> None:
    """The default suite's run, under the same ceiling: 18 images of 64 MP (3.5 GB decoded at full
    size) and a banner of 8 230 x 26 714 px (660 MB as RGB, which on top of the measured peak of
    0.98 GB would break the ceiling) only fit when each tile is decoded as it is drawn and the
    banner is streamed. The print-size run below (`-m long`) is the same at 122 images."""
    result = _render(tmp_path, 16)
    assert result["peak_kb"] < CEILING_KB, result


@pytest.mark.long
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc")
def test_122_images_at_the_pixel_limit_render_under_the_memory_ceiling(tmp_path: Path) -> None:
    result = _render(tmp_path, 120)
    assert result["peak_kb"] < CEILING_KB, result
