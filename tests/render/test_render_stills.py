"""Lane stills: the PGMYUV writer's planes, checked against BT.709 and decoded back by ffmpeg."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from reelforge.render import stills
from reelforge.render.ffmpeg import run_ffmpeg

# BT.709 TV-range Y, Cb, Cr of the primaries, black and white (ITU-R BT.709 table values).
BARS = {(255, 0, 0): (63, 102, 240), (0, 255, 0): (173, 42, 26), (0, 0, 255): (32, 240, 118),
        (255, 255, 255): (235, 128, 128), (0, 0, 0): (16, 128, 128)}


def _planes(path: Path, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = path.read_bytes()
    header = f"P5\n{width} {height * 3 // 2}\n255\n".encode("ascii")
    assert data.startswith(header)
    body = np.frombuffer(data[len(header):], np.uint8)
    luma = body[:width * height].reshape(height, width)
    chroma = body[width * height:].reshape(height // 2, width)  # each row: U then V
    return luma, chroma[:, :width // 2], chroma[:, width // 2:]


def test_pgmyuv_planes_carry_bt709_tv_range_values(tmp_path: Path) -> None:
    width, height = 16 * len(BARS), 8
    img = Image.new("RGB", (width, height))
    for i, colour in enumerate(BARS):
        img.paste(colour, (16 * i, 0, 16 * (i + 1), height))
    luma, cb, cr = _planes(stills.save_pgmyuv(img, tmp_path / "bars.pgmyuv"), width, height)
    for i, (y, u, v) in enumerate(BARS.values()):
        assert abs(int(luma[4, 16 * i + 8]) - y) <= 1
        assert abs(int(cb[2, 8 * i + 4]) - u) <= 1
        assert abs(int(cr[2, 8 * i + 4]) - v) <= 1


def test_pgmyuv_decodes_back_to_the_source_colours(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    img = Image.fromarray(blocks).resize((128, 96), Image.Resampling.NEAREST)  # flat 16x16 patches
    still = stills.save_pgmyuv(img, tmp_path / "patches.pgmyuv")
    rgb = tmp_path / "decoded.rgb"
    run_ffmpeg(["-f", "image2", "-c:v", "pgmyuv", "-i", str(still), "-vf",
                "scale=in_color_matrix=bt709:in_range=tv:out_range=pc,format=rgb24", "-f", "rawvideo", str(rgb)],
               what="decode still")
    decoded = np.frombuffer(rgb.read_bytes(), np.uint8).reshape(96, 128, 3).astype(int)
    source = np.asarray(img).astype(int)
    inner = np.zeros((96, 128), bool)
    for by in range(6):
        for bx in range(8):  # patch interiors: away from chroma bleeding at patch edges
            inner[16 * by + 3:16 * by + 13, 16 * bx + 3:16 * bx + 13] = True
    assert np.abs(decoded[inner] - source[inner]).max() <= 3
