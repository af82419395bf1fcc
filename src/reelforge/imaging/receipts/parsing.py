"""Parsing of the small pieces of text a receipt is made of: amounts, dates, times, currencies,
payment methods. Pure functions on strings, so they are easy to test and reuse."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# --- text normalisation ---------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKC (Thai SARA AM comes out of tesseract decomposed), lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def squash(text: str) -> str:
    """``normalize`` without any spaces: OCR engines disagree about spaces (RapidOCR drops them
    between Latin words, tesseract inserts them between Thai syllables)."""
    return normalize(text).replace(" ", "")


# --- amounts --------------------------------------------------------------------------------

_CURRENCY_CHARS = "$€£¥฿₹₩"
_MONEY = re.compile(
    rf"(?<![\w.:/-])(-)?\s?[{_CURRENCY_CHARS}]?\s?(-)?"
    r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?![%:/\w]|[.,]\d)"
)


def find_amounts(text: str) -> list[tuple[float, int, int]]:
    """Every money-looking number in ``text`` as ``(value, start, end)``; percentages are
    skipped, thousands separators understood, a leading minus kept."""
    found: list[tuple[float, int, int]] = []
    for match in _MONEY.finditer(text):
        digits = match.group(3)
        if "," in digits and "." not in digits and re.fullmatch(r"\d+,\d{1,2}", digits):
            digits = digits.replace(",", ".")  # 12,50 written with a decimal comma
        value = float(digits.replace(",", ""))
        if match.group(1) or match.group(2):
            value = -value
        found.append((value, match.start(), match.end()))
    return found


def trailing_amount(text: str) -> tuple[float, int] | None:
    """The right-most amount of a receipt row (where the price column is) and where it starts.
    Prefers amounts with decimals: a quantity or a percentage is rarely written ``n.nn``."""
    amounts = find_amounts(text)
    if not amounts:
        return None
    decimal = [a for a in amounts if "." in text[a[1] : a[2]] or "," in text[a[1] : a[2]]]
    value, start, _end = (decimal or amounts)[-1]
    return value, start


# --- dates and times ------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_THAI_MONTHS = {
    "มกราคม": 1, "ม.ค.": 1, "กุมภาพันธ์": 2, "ก.พ.": 2, "มีนาคม": 3, "มี.ค.": 3, "เมษายน": 4,
    "เม.ย.": 4, "พฤษภาคม": 5, "พ.ค.": 5, "มิถุนายน": 6, "มิ.ย.": 6, "กรกฎาคม": 7, "ก.ค.": 7,
    "สิงหาคม": 8, "ส.ค.": 8, "กันยายน": 9, "ก.ย.": 9, "ตุลาคม": 10, "ต.ค.": 10,
    "พฤศจิกายน": 11, "พ.ย.": 11, "ธันวาคม": 12, "ธ.ค.": 12,
}
_ISO_DATE = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b")
_WORD_DATE_DMY = re.compile(r"\b(\d{1,2})[\s-]*([a-z]{3})[a-z]*\.?[\s,-]*(\d{4}|\d{2})\b")
_WORD_DATE_MDY = re.compile(r"\b([a-z]{3})[a-z]*\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})\b")
_TIME = re.compile(r"(?<![\d/.:-])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d/])")


def _year(raw: str) -> int:
    year = int(raw)
    if year < 100:
        year += 2000
    if year > 2400:  # Thai Buddhist era
        year -= 543
    return year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, day_first: bool = True) -> date | None:
    """The first date in ``text``: ISO, numeric (day-first unless told otherwise, or when the
    numbers only fit one order), English month names, Thai month names, Buddhist-era years."""
    low = normalize(text)
    if m := _ISO_DATE.search(low):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC_DATE.search(low):
        a, b, year = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        day, month = (a, b) if day_first else (b, a)
        if month > 12 >= day:
            day, month = month, day
        return _safe_date(year, month, day)
    if (m := _WORD_DATE_DMY.search(low)) and (word_month := _MONTHS.get(m.group(2))) is not None:
        return _safe_date(_year(m.group(3)), word_month, int(m.group(1)))
    if (m := _WORD_DATE_MDY.search(low)) and (word_month := _MONTHS.get(m.group(1))) is not None:
        return _safe_date(_year(m.group(3)), word_month, int(m.group(2)))
    for name, thai_month in sorted(_THAI_MONTHS.items(), key=lambda kv: -len(kv[0])):
        if m := re.search(rf"(\d{{1,2}})\s*{re.escape(name)}\s*(\d{{4}}|\d{{2}})", low):
            return _safe_date(_year(m.group(2)), thai_month, int(m.group(1)))
    return None


def looks_like_date(text: str) -> bool:
    low = normalize(text)
    return bool(_ISO_DATE.search(low) or _NUMERIC_DATE.search(low) or _WORD_DATE_DMY.search(low))


def parse_time(text: str) -> str | None:
    """``HH:MM`` of the first clock time in ``text``."""
    if m := _TIME.search(text):
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    return None


# --- currency and payment -------------------------------------------------------------------

CURRENCY_CODES = (
    "THB", "USD", "EUR", "GBP", "JPY", "SGD", "MYR", "AUD", "CAD", "CNY", "HKD", "INR", "KRW",
    "IDR", "PHP", "VND", "CHF", "NZD", "AED",
)
_SYMBOL_CURRENCY = {"฿": "THB", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "$": "USD"}
_WORD_CURRENCY = {"บาท": "THB", "baht": "THB", "dollars": "USD", "euro": "EUR", "pounds": "GBP"}


def detect_currency(text: str) -> str | None:
    """ISO code from codes, words or symbols found in ``text`` (codes win over ``$``)."""
    upper = unicodedata.normalize("NFKC", text).upper()
    for code in CURRENCY_CODES:
        if re.search(rf"(?<![A-Z]){code}(?![A-Z])", upper):
            return code
    low = normalize(text)
    for word, code in _WORD_CURRENCY.items():
        if word in low:
            return code
    for symbol, code in _SYMBOL_CURRENCY.items():
        if symbol in text:
            return code
    return None


_PAYMENT_WORDS = {
    "transfer": ("transfer", "โอน", "promptpay", "พร้อมเพย์", "bank", "qr"),
    "card": ("card", "visa", "mastercard", "master card", "amex", "credit", "debit", "บัตร"),
    "cash": ("cash", "เงินสด"),
    "e-wallet": ("wallet", "truemoney", "apple pay", "google pay", "paypal", "alipay", "wechat"),
}


def detect_payment_method(text: str) -> str | None:
    low = squash(text)
    for method, words in _PAYMENT_WORDS.items():
        if any(word.replace(" ", "") in low for word in words):
            return method
    return None


_ACCOUNT = re.compile(r"(?<![\w])([0-9xX*]{3,4}(?:-[0-9xX*]{1,6}){1,4})(?![\w])")


def find_account(text: str) -> str | None:
    """A bank account number as printed (masked ``xxx-x-xxxx-x`` forms included)."""
    if m := _ACCOUNT.search(text):
        return m.group(1)
    return None
