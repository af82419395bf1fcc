"""Renders realistic till receipts (English or Thai) with Pillow for the receipt tests.

Every value is a parameter, so a test can render a sample receipt, a second receipt with the
same layout and different values, and one whose lines do not add up (``total_override``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import fontpkg_noto_sans_thai
import fontpkg_poppins
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

POPPINS = fontpkg_poppins.ROOT / "files"
THAI_FONT = next((fontpkg_noto_sans_thai.ROOT / "files").glob("NotoSansThai*.ttf"))


@dataclass(frozen=True)
class LineItem:
    name: str
    qty: int
    unit_price: float

    @property
    def amount(self) -> float:
        return round(self.qty * self.unit_price, 2)


@dataclass(frozen=True)
class ReceiptSpec:
    merchant: str
    when: date
    time: str
    receipt_no: str
    items: list[LineItem]
    language: str = "en"  # "en" or "th"
    currency: str = "USD"  # USD, EUR, GBP or THB
    tax_rate: float = 0.07
    service_fee: float = 0.0
    discount: float = 0.0
    payment_method: str = "Card"
    address: str = "12 Harbour Street, Portsmouth"
    total_override: float | None = None  # renders a total that does not add up
    seed: int = 0

    @property
    def subtotal(self) -> float:
        return round(sum(item.amount for item in self.items), 2)

    @property
    def tax(self) -> float:
        return round(self.subtotal * self.tax_rate, 2)

    @property
    def total(self) -> float:
        if self.total_override is not None:
            return self.total_override
        return round(self.subtotal + self.tax + self.service_fee - self.discount, 2)


@dataclass(frozen=True)
class _Labels:
    title: str
    date: str
    time: str
    receipt_no: str
    subtotal: str
    tax: str
    fee: str
    discount: str
    total: str
    payment: str
    thanks: str


_EN = _Labels(
    "RECEIPT", "Date", "Time", "Receipt No", "Subtotal", "Tax", "Service Charge", "Discount",
    "TOTAL", "Paid by", "Thank you for shopping with us",
)
_TH = _Labels(
    "ใบเสร็จรับเงิน", "วันที่", "เวลา", "เลขที่", "รวมเป็นเงิน", "ภาษีมูลค่าเพิ่ม", "ค่าบริการ",
    "ส่วนลด", "ยอดสุทธิ", "ชำระโดย", "ขอบคุณที่ใช้บริการ",
)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "THB": "฿"}


@dataclass
class _Pen:
    draw: ImageDraw.ImageDraw
    width: int
    margin: int = 36
    y: int = 36
    fonts: dict[str, ImageFont.FreeTypeFont] = field(default_factory=dict)

    def row(self, left: str, right: str = "", font: str = "body", gap: int = 14) -> None:
        face = self.fonts[font]
        self.draw.text((self.margin, self.y), left, font=face, fill=(22, 22, 22))
        if right:
            w = self.draw.textlength(right, font=face)
            self.draw.text((self.width - self.margin - w, self.y), right, font=face, fill=(22, 22, 22))
        self.y += int(face.size * 1.35) + gap

    def centered(self, text: str, font: str = "body", gap: int = 10) -> None:
        face = self.fonts[font]
        w = self.draw.textlength(text, font=face)
        self.draw.text(((self.width - w) / 2, self.y), text, font=face, fill=(22, 22, 22))
        self.y += int(face.size * 1.35) + gap

    def rule(self) -> None:
        self.y += 4
        for x in range(self.margin, self.width - self.margin, 12):
            self.draw.line([(x, self.y), (x + 6, self.y)], fill=(90, 90, 90), width=2)
        self.y += 18


def _fonts(language: str) -> dict[str, ImageFont.FreeTypeFont]:
    if language == "th":
        # One Thai face for everything: Pillow does no per-script font fallback, and Noto Sans
        # Thai carries Latin digits too.
        body = ImageFont.truetype(str(THAI_FONT), 26)
        big = ImageFont.truetype(str(THAI_FONT), 40)
        big.set_variation_by_axes([100, 700])
        return {"body": body, "big": big, "bold": big.font_variant(size=30)}
    return {
        "body": ImageFont.truetype(str(POPPINS / "Poppins-Regular.ttf"), 24),
        "big": ImageFont.truetype(str(POPPINS / "Poppins-Bold.ttf"), 38),
        "bold": ImageFont.truetype(str(POPPINS / "Poppins-SemiBold.ttf"), 28),
    }


def _money(value: float, spec: ReceiptSpec) -> str:
    text = f"{value:,.2f}"
    if spec.language == "th":
        return text
    return f"{_SYMBOLS.get(spec.currency, '')}{text}"


def _date_text(spec: ReceiptSpec) -> str:
    if spec.language == "th":
        # Thai receipts print Buddhist-era years (CE + 543).
        return f"{spec.when.day:02d}/{spec.when.month:02d}/{spec.when.year + 543}"
    return spec.when.strftime("%d %b %Y")


def render_receipt(spec: ReceiptSpec) -> Image.Image:
    """Render ``spec`` as an RGB receipt image about 640 px wide."""
    labels = _TH if spec.language == "th" else _EN
    width = 640
    height = 560 + 52 * len(spec.items) + 52 * sum(1 for v in (spec.service_fee, spec.discount) if v)
    paper = Image.new("RGB", (width, height), (250, 249, 244))
    pen = _Pen(ImageDraw.Draw(paper), width, fonts=_fonts(spec.language))

    pen.centered(spec.merchant, font="big", gap=6)
    pen.centered(spec.address, gap=4)
    pen.centered(labels.title, font="bold", gap=8)
    pen.rule()
    pen.row(f"{labels.date}: {_date_text(spec)}", f"{labels.time}: {spec.time}")
    pen.row(f"{labels.receipt_no}: {spec.receipt_no}")
    pen.rule()
    for item in spec.items:
        name = item.name if item.qty == 1 else f"{item.qty} x {item.name}"
        pen.row(name, _money(item.amount, spec))
    pen.rule()
    pen.row(labels.subtotal, _money(spec.subtotal, spec))
    pen.row(f"{labels.tax} {spec.tax_rate * 100:.0f}%", _money(spec.tax, spec))
    if spec.service_fee:
        pen.row(labels.fee, _money(spec.service_fee, spec))
    if spec.discount:
        pen.row(labels.discount, "-" + _money(spec.discount, spec))
    total_right = _money(spec.total, spec)
    total_right = f"{total_right} บาท" if spec.language == "th" else f"{spec.currency} {total_right}"
    pen.row(labels.total, total_right, font="bold")
    pen.rule()
    pen.row(labels.payment, spec.payment_method)
    pen.centered(labels.thanks)

    paper = paper.crop((0, 0, width, min(height, pen.y + 30)))
    return _age(paper, spec.seed)


def _age(img: Image.Image, seed: int) -> Image.Image:
    """A little scanner softness and paper noise (seeded, so fixtures are reproducible)."""
    rng = np.random.default_rng(seed)
    soft = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)
    noisy = soft + rng.normal(0, 4.0, soft.shape[:2])[..., None]
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


# --- ready-made specs -----------------------------------------------------------------------


def english_sample(**overrides: object) -> ReceiptSpec:
    base = ReceiptSpec(
        merchant="Harbour Fresh Market",
        when=date(2026, 1, 14),
        time="17:25",
        receipt_no="HF-204518",
        items=[
            LineItem("Sourdough Loaf", 1, 4.50),
            LineItem("Free Range Eggs", 2, 3.25),
            LineItem("Arabica Coffee Beans", 1, 12.90),
        ],
        seed=1,
    )
    return _replace(base, overrides)


def english_second(**overrides: object) -> ReceiptSpec:
    base = english_sample(
        when=date(2026, 2, 3),
        time="09:41",
        receipt_no="HF-209977",
        items=[
            LineItem("Oat Milk", 2, 2.80),
            LineItem("Blueberries", 1, 5.40),
            LineItem("Cheddar Cheese", 1, 7.15),
            LineItem("Green Apples", 3, 0.95),
        ],
        seed=2,
    )
    return _replace(base, overrides)


def thai_sample(**overrides: object) -> ReceiptSpec:
    base = ReceiptSpec(
        merchant="ร้านกาแฟบ้านสวน",
        when=date(2026, 1, 14),
        time="10:15",
        receipt_no="BS-55012",
        items=[
            LineItem("กาแฟเย็น", 2, 65.00),
            LineItem("ชาไทย", 1, 55.00),
            LineItem("ขนมปังปิ้ง", 1, 45.00),
        ],
        language="th",
        currency="THB",
        payment_method="เงินสด",
        address="123 ถนนสุขุมวิท กรุงเทพฯ",
        seed=3,
    )
    return _replace(base, overrides)


def thai_second(**overrides: object) -> ReceiptSpec:
    base = thai_sample(
        when=date(2026, 3, 9),
        time="14:05",
        receipt_no="BS-55987",
        items=[
            LineItem("ชาเขียว", 1, 60.00),
            LineItem("โกโก้", 2, 50.00),
            LineItem("ครัวซองต์", 1, 85.00),
        ],
        seed=4,
    )
    return _replace(base, overrides)


def _replace(spec: ReceiptSpec, overrides: dict[str, object]) -> ReceiptSpec:
    from dataclasses import replace

    return replace(spec, **overrides)  # type: ignore[arg-type]
