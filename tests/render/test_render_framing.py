"""Text- and subject-aware framing with real photos (4:3 and 3:2, a headline and a price printed on
them) in 16:9 and 9:16: OCR of mid-scene frames reads the whole headline and the price in every
scene, and neither the footer card nor the captions cover them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidocr_onnxruntime import RapidOCR

from reelforge.render import render_timeline
from reelforge.render.subtitles import caption_layout
from reelforge.sessions.document import Canvas, Layer, SessionDocument, TextItem, Transition
from reelforge.stages.video_clips import motions_for
from reelforge.text.fonts import resolve_font

PHOTOS = Path(__file__).parent.parent / "data" / "photos"
HEADLINE = "LINEN TRAVEL SHIRT"
PRICE = "$49"
SCENE_S = 3.0


def printed_photo(name: str, aspect: tuple[int, int], out: Path) -> Path:
    """A real photo cut to ``aspect``, enlarged, with a headline at the top and a price at the bottom
    right, printed as a shop would (white bold type on a dark box)."""
    with Image.open(PHOTOS / name) as opened:
        img = opened.convert("RGB")
    width = min(img.width, img.height * aspect[0] // aspect[1])
    height = width * aspect[1] // aspect[0]
    left, top = (img.width - width) // 2, (img.height - height) // 2
    img = img.crop((left, top, left + width, top + height)).resize((width * 2, height * 2), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(img)
    font_path = str(resolve_font(None, "en").path)
    headline = ImageFont.truetype(font_path, img.width // 13)
    box = draw.textbbox((0, 0), HEADLINE, font=headline)
    x, y = (img.width - (box[2] - box[0])) // 2, img.height // 20
    draw.rectangle((x - 12, y - 8, x + box[2] - box[0] + 12, y + box[3] + 12), fill=(20, 20, 20))
    draw.text((x, y), HEADLINE, font=headline, fill=(255, 255, 255))
    price = ImageFont.truetype(font_path, img.width // 10)
    box = draw.textbbox((0, 0), PRICE, font=price)
    x, y = img.width - (box[2] - box[0]) - img.width // 12, img.height - (box[3] - box[1]) - img.height // 10
    draw.rectangle((x - 14, y - 10, x + box[2] - box[0] + 14, y + box[3] + 10), fill=(180, 20, 30))
    draw.text((x, y), PRICE, font=price, fill=(255, 255, 255))
    img.save(out)
    return out


@pytest.fixture(scope="module")
def ocr() -> RapidOCR:
    return RapidOCR()


def footer_card(out: Path, width: int) -> Path:
    card = Image.new("RGBA", (width, width // 8), (255, 255, 255, 235))
    ImageDraw.Draw(card).text((20, 10), "northwind.example", fill=(0, 0, 0, 255))
    card.save(out)
    return out


@pytest.mark.parametrize("canvas", [Canvas(width=960, height=540, fps=30), Canvas(width=540, height=960, fps=30)],
                         ids=["16x9", "9x16"])
def test_headline_and_price_stay_whole_and_uncovered(tmp_path: Path, canvas: Canvas, ocr: RapidOCR) -> None:
    photos = {"s0": printed_photo("coffee.png", (4, 3), tmp_path / "coffee43.png"),
              "s1": printed_photo("chelsea.png", (3, 2), tmp_path / "chelsea32.png"),
              "footer": footer_card(tmp_path / "footer.png", canvas.width)}
    motions = motions_for(canvas.width, canvas.height)
    layers = [Layer(id=f"s{i}", kind="scene", start=SCENE_S * i, end=SCENE_S * (i + 1), clip=f"s{i}",
                    camera_motion=motions[i % 2], footer="footer",
                    transition_in=Transition(duration=0.5) if i else None,
                    active_items=[TextItem(text="Breathable European flax for long days", start=0.2,
                                        end=SCENE_S - 0.2)])
              for i in range(2)]
    doc = SessionDocument(canvas=canvas, language="en", subtitles=True, layers=layers)
    video = render_timeline(doc, tmp_path / "framed.mp4", lambda ref: photos[ref]).path
    layout = caption_layout(canvas.width, canvas.height)
    footer_px = canvas.width // 8
    covered_from = canvas.height - layout.band(footer_px)  # captions and footer live below this line
    for i in range(2):
        # Near the start and the end of the camera move: the crop moves and scales monotonically
        # between them, so a line whole and clear of the bands at both is so in between too.
        for at in (0.15, 0.85):
            seconds = SCENE_S * (i + at)
            frame_path = tmp_path / f"f{i}-{at}.png"
            cv2.imwrite(str(frame_path), _frame(video, seconds, tmp_path))
            result, _ = ocr(str(frame_path))
            lines = [(str(text), np.asarray(points)) for points, text, _ in result or []]
            text = " ".join(t for t, _ in lines)
            # RapidOCR often drops the spaces of wide-set capitals: compare without them.
            assert HEADLINE.replace(" ", "") in text.replace(" ", ""), f"scene {i} at {at}: {text!r}"
            assert PRICE.strip("$") in text, f"scene {i} at {at}: {text!r}"
            for line, points in lines:
                if HEADLINE.replace(" ", "") in line.replace(" ", "") or PRICE.strip("$") in line:
                    assert points[:, 1].max() <= covered_from, f"{line!r} under the captions/footer"
                    if canvas.height > canvas.width:
                        assert points[:, 0].max() <= canvas.width * 0.86, f"{line!r} in the button column"


def _frame(video: Path, seconds: float, tmp_path: Path) -> np.ndarray:
    from support.media import frame_at

    return frame_at(video, seconds)
