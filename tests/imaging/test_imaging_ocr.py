"""The OCR provider: both engines return lines with boxes; Thai goes to tesseract."""

from __future__ import annotations

import fontpkg_noto_sans_thai
import fontpkg_poppins
import pytest
from PIL import Image, ImageDraw, ImageFont

from reelforge.providers.ocr import (
    OcrEngine,
    TesseractEngine,
    ocr_for_language,
    rapid_engine,
    tesseract_available,
    text_regions,
)


def _text_image(text: str, font_path: str, size: int = 40) -> Image.Image:
    img = Image.new("RGB", (720, 160), "white")
    ImageDraw.Draw(img).text((30, 50), text, font=ImageFont.truetype(font_path, size), fill="black")
    return img


LATIN = str(fontpkg_poppins.ROOT / "files" / "Poppins-Regular.ttf")
THAI = str(next((fontpkg_noto_sans_thai.ROOT / "files").glob("*.ttf")))


def test_rapidocr_reads_latin_with_boxes() -> None:
    engine = rapid_engine()
    assert isinstance(engine, OcrEngine)
    lines = engine.read(_text_image("Fresh Market 12.50", LATIN))
    assert lines
    line = lines[0]
    assert "12.50" in line.text
    x0, y0, x1, y1 = line.box
    assert 10 <= x0 < x1 <= 720 and 30 <= y0 < y1 <= 120
    assert 0.5 <= line.confidence <= 1


def test_the_same_pixels_are_read_once_and_changed_pixels_read_again() -> None:
    from reelforge.providers import ocr

    engine = rapid_engine()
    image = _text_image("Fresh Market 12.50", LATIN)
    first = engine.read(image)
    kept = len(ocr._lines_in.memory)
    again = engine.read(image.copy())
    assert again == first and again is not first and len(ocr._lines_in.memory) == kept  # answered from memory
    text = " ".join(line.text for line in engine.read(_text_image("Fresh Market 99.99", LATIN)))
    assert "99.99" in text and "12.50" not in text and len(ocr._lines_in.memory) == kept + 1


@pytest.mark.skipif(not tesseract_available("tha+eng"), reason="tesseract tha+eng not installed")
def test_thai_goes_to_tesseract_and_reads_thai() -> None:
    engine = ocr_for_language("th")
    assert isinstance(engine, TesseractEngine) and engine.lang == "tha+eng"
    lines = engine.read(_text_image("ขอบคุณที่ใช้บริการ 250.00", THAI))
    text = " ".join(line.text for line in lines)
    assert "250.00" in text
    assert "ขอบคุณ" in text.replace(" ", "")
    assert ocr_for_language("en").name == "rapidocr"


def test_text_regions_find_every_line_and_keep_what_they_found() -> None:
    """Detection alone, at the image's own size: both printed lines, the one cut by the left edge too.
    The same pixels twice give the same boxes (kept, not detected again)."""
    img = Image.new("RGB", (640, 360), (200, 120, 60))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(LATIN, 44)
    draw.text((120, 40), "Whole line", font=font, fill="white")
    draw.text((-22, 200), "CLIPPED HEADLINE", font=font, fill="white")
    found = text_regions(img)
    assert len(found) == 2, found
    whole = next(box for box in found if box[1] < 120)
    assert 100 <= whole[0] <= 130 and whole[3] <= 120
    again = text_regions(img)
    assert again == found and again is not found


def test_ocr_sessions_do_not_spin_between_operators() -> None:
    """Every onnxruntime session RapidOCR builds here (reader and detector) has spinning off."""
    from reelforge.providers.ocr import _rapid_detector, _rapid_model
    from reelforge.providers.onnx_sessions import NO_SPINNING

    for model in (_rapid_model(), _rapid_detector()):
        for stage in (model.text_det.infer, model.text_cls.infer, model.text_rec.session):
            options = stage.session.get_session_options()
            for key, value in NO_SPINNING.items():
                assert options.get_session_config_entry(key) == value, (stage, key)
