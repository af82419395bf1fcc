"""From a receipt image to text rows.

A receipt is a stack of rows — a label on the left, an amount on the right. OCR engines return
either whole rows (tesseract) or fragments (RapidOCR); both are turned into :class:`ReceiptRow`s.
For Thai receipts a second, digits-only English pass reads the amount column, because the Thai
model sometimes misreads digits that sit next to Thai script.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image, ImageFilter, ImageOps

from reelforge.providers.ocr import (
    Box,
    OcrEngine,
    OcrLine,
    OcrUnavailableError,
    TesseractEngine,
    contains_thai,
    default_ocr,
    tesseract_available,
    tesseract_engine,
)

from .parsing import trailing_amount


@dataclass(frozen=True)
class ReceiptRow:
    text: str
    box: Box
    confidence: float
    digits_text: str | None = None  # the digits-only reading of the same row, if any

    def amount(self) -> float | None:
        """The row's price-column amount. The digits-only reading is preferred, but a reading
        that kept its decimal point beats one that lost it ("17.15" read as "1715")."""
        readings: list[tuple[float, bool]] = []
        for source in (self.digits_text, self.text):
            if source and (found := trailing_amount(source)) is not None:
                token = source[found[1] :].split()[0] if source[found[1] :].split() else ""
                readings.append((found[0], any(sep in token for sep in ".,")))
        with_decimals = [value for value, has_decimals in readings if has_decimals]
        if with_decimals:
            return with_decimals[0]
        return readings[0][0] if readings else None

    def label(self) -> str:
        """The row's text left of its trailing amount."""
        found = trailing_amount(self.text)
        return self.text[: found[1]].strip() if found else self.text.strip()


@dataclass(frozen=True)
class ReceiptPage:
    rows: list[ReceiptRow]
    size: tuple[int, int]
    engine: str

    @property
    def text(self) -> str:
        return "\n".join(row.text for row in self.rows)

    @property
    def language(self) -> str:
        return "th" if contains_thai(self.text) else "en"

    def fraction_box(self, box: Box) -> tuple[float, float, float, float]:
        w, h = self.size
        return box[0] / w, box[1] / h, box[2] / w, box[3] / h


def receipt_engine(language: str | None = None) -> OcrEngine:
    """Tesseract ``tha+eng`` reads English receipts as well as ``eng`` alone and Thai ones too,
    so it is the default whenever installed; RapidOCR is the fallback (no Thai)."""
    if tesseract_available("tha+eng"):
        return tesseract_engine("tha+eng")
    if language != "th" and tesseract_available("eng"):
        return tesseract_engine("eng")
    if language == "th":
        raise OcrUnavailableError("Thai receipts need tesseract-ocr with the tesseract-ocr-tha pack")
    return default_ocr()


def _digits_engine() -> TesseractEngine | None:
    if not tesseract_available("eng"):
        return None
    return TesseractEngine("eng", psm=6, char_whitelist="0123456789.,-")


def lines_to_rows(lines: list[OcrLine]) -> list[ReceiptRow]:
    """Merge fragments whose vertical extents overlap by more than half into one row, left to
    right, separated by two spaces (a column gap)."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.center_y, ln.box[0])):
        for row in rows:
            if _vertical_overlap(row[0].box, line.box) > 0.5:
                row.append(line)
                break
        else:
            rows.append([line])
    merged: list[ReceiptRow] = []
    for row in rows:
        row.sort(key=lambda ln: ln.box[0])
        box = (
            min(ln.box[0] for ln in row),
            min(ln.box[1] for ln in row),
            max(ln.box[2] for ln in row),
            max(ln.box[3] for ln in row),
        )
        confidence = sum(ln.confidence for ln in row) / len(row)
        merged.append(ReceiptRow("  ".join(ln.text for ln in row), box, confidence))
    merged.sort(key=lambda r: r.box[1])
    return merged


def _vertical_overlap(a: Box, b: Box) -> float:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, overlap) / max(1, min(a[3] - a[1], b[3] - b[1]))


def _attach_digits(rows: list[ReceiptRow], digit_lines: list[OcrLine]) -> list[ReceiptRow]:
    out = []
    for row in rows:
        match = max(digit_lines, key=lambda ln: _vertical_overlap(row.box, ln.box), default=None)
        if match is not None and _vertical_overlap(row.box, match.box) > 0.5:
            row = replace(row, digits_text=match.text)
        out.append(row)
    return out


def prepare_attempt(img: Image.Image, attempt: int) -> Image.Image:
    """Attempt 1 reads the image as given; attempt 2 upscales small images and boosts contrast,
    which recovers thin digits on faded thermal paper."""
    img = ImageOps.exif_transpose(img).convert("RGB")
    if attempt <= 1:
        return img
    gray = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    if gray.width < 1400:
        scale = 1400 / gray.width
        gray = gray.resize((1400, round(gray.height * scale)), Image.Resampling.LANCZOS)
    return gray.filter(ImageFilter.UnsharpMask(radius=2, percent=120, threshold=2)).convert("RGB")


def read_receipt(img: Image.Image, language: str | None = None, engine: OcrEngine | None = None) -> ReceiptPage:
    """OCR ``img`` into rows. ``language`` is the template's language when known."""
    engine = engine or receipt_engine(language)
    rows = lines_to_rows(engine.read(img))
    page = ReceiptPage(rows, img.size, engine.name)
    if page.language == "th" and (digits := _digits_engine()) is not None:
        page = ReceiptPage(_attach_digits(rows, digits.read(img)), img.size, engine.name)
    return page
