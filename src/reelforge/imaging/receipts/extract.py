"""Field and line-item extraction from OCR'd receipt rows.

Rows are classified by their label (keyword tables in English and Thai, plus the labels a
template learned from its sample receipt); amounts come from the price column; the merchant is
the most prominent header row; items are the priced rows between the header and the totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from .layout import ReceiptPage, ReceiptRow
from .parsing import (
    detect_currency,
    detect_payment_method,
    find_account,
    looks_like_date,
    normalize,
    parse_date,
    parse_time,
    squash,
    trailing_amount,
)

STANDARD_FIELDS: tuple[str, ...] = (
    "merchant_name",
    "transaction_date",
    "transaction_time",
    "transaction_id",
    "currency",
    "subtotal",
    "tax",
    "fee",
    "discount",
    "total",
    "payment_method",
    "from_account",
    "to_account",
)
AMOUNT_FIELDS: tuple[str, ...] = ("subtotal", "tax", "fee", "discount", "total")
FIELD_TYPES: dict[str, str] = {
    "merchant_name": "string",
    "transaction_date": "date",
    "transaction_time": "time",
    "transaction_id": "string",
    "currency": "string",
    "payment_method": "string",
    "from_account": "string",
    "to_account": "string",
    **{key: "currency" for key in AMOUNT_FIELDS},
}

_AMOUNT_LABELS: dict[str, tuple[str, ...]] = {
    "subtotal": (
        "subtotal", "sub total", "sub-total", "items total", "รวมเป็นเงิน", "รวมก่อนภาษี",
        "ยอดรวมก่อนภาษี", "มูลค่าสินค้า", "รวมค่าสินค้า",
    ),
    "tax": ("tax", "vat", "gst", "ภาษี", "ภาษีมูลค่าเพิ่ม"),
    "fee": ("service charge", "service", "fee", "tip", "gratuity", "ค่าบริการ", "ค่าธรรมเนียม"),
    "discount": ("discount", "promo", "coupon", "savings", "ส่วนลด"),
    "total": (
        "grand total", "total", "amount due", "balance due", "amount paid", "amount", "ยอดสุทธิ",
        "รวมทั้งสิ้น", "ยอดรวม", "ยอดชำระ", "จำนวนเงิน", "รวม",
    ),
}
_DATE_LABELS = ("date", "วันที่")
_TIME_LABELS = ("time", "เวลา")
_ID_LABELS = (
    "receipt no", "receipt #", "receipt number", "invoice no", "invoice #", "invoice", "inv no",
    "bill no", "reference", "ref", "transaction id", "trans id", "txn", "order no", "order #",
    "เลขที่ใบเสร็จ", "เลขที่รายการ", "เลขที่อ้างอิง", "รหัสอ้างอิง", "เลขที่",
)
_PAYMENT_LABELS = ("paid by", "payment", "ชำระโดย", "ชำระด้วย")
_FROM_LABELS = ("from", "จาก")
_TO_LABELS = ("to", "ไปยัง", "ถึง")
_TITLE_WORDS = ("receipt", "invoice", "ใบเสร็จ", "ใบกำกับภาษี", "bill", "statement")
_NOT_ITEMS = ("change", "cash", "tendered", "เงินทอน", "ทอน", "รับเงิน", "points", "balance")
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{3,}")
# "2 x Coffee"; OCR sometimes reads the "x" as "%" or a Cyrillic "х".
_QTY_PREFIX = re.compile(r"^(\d{1,3})\s*[x×X*%х]\s+(.+)$")
_QTY_SUFFIX = re.compile(r"^(.+?)\s+[x×X*@]\s*(\d{1,3})$")


@dataclass
class FieldValue:
    value: Any
    confidence: float
    row: int | None = None
    label: str | None = None


@dataclass
class Hints:
    """What a template knows about its receipts."""

    merchant_hint: str | None = None
    currency_hint: str | None = None
    day_first: bool = True
    learned_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Extraction:
    fields: dict[str, FieldValue]
    items: list[dict[str, Any]]
    item_rows: list[int]
    unparsed_date: str | None  # text of a date-labelled row whose date could not be parsed

    def value(self, key: str) -> Any:
        found = self.fields.get(key)
        return found.value if found else None

    def standardized(self) -> dict[str, Any]:
        return {key: _jsonable(self.value(key)) for key in STANDARD_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _label_in(keyword: str, text: str) -> bool:
    """Whole-word match for Latin keywords ("fee" must not match "coffee"); Thai is written
    without spaces, so Thai keywords match as substrings of the space-free text."""
    if keyword.isascii():
        return re.search(rf"(?<![a-z]){re.escape(keyword)}(?![a-z])", normalize(text)) is not None
    return squash(keyword) in squash(text)


def _has_label(text: str, labels: tuple[str, ...]) -> bool:
    return any(_label_in(label, text) for label in labels)


def _strip_label(text: str, labels: tuple[str, ...]) -> str:
    """Text after the first of ``labels`` (and a colon), for ``Receipt No: X`` style rows."""
    low = normalize(text)
    for label in sorted(labels, key=len, reverse=True):
        if (pos := low.find(label)) >= 0:
            return text[pos + len(label) :].lstrip(" :#.-")
    return text


def classify_amount_row(row: ReceiptRow, hints: Hints) -> str | None:
    """Which amount field a priced row carries, by its label (longest keyword wins; a label
    the template learned from its sample wins over keywords)."""
    label = squash(row.label())
    if not label:
        return None
    for key, learned in hints.learned_labels.items():
        if key in AMOUNT_FIELDS and learned and SequenceMatcher(None, label, learned).ratio() >= 0.8:
            return key
    best: tuple[int, str] | None = None
    for key, keywords in _AMOUNT_LABELS.items():
        for keyword in keywords:
            if _label_in(keyword, row.label()) and (best is None or len(keyword) > best[0]):
                best = (len(keyword), key)
    return best[1] if best else None


def _is_meta_row(row: ReceiptRow) -> bool:
    text = row.text
    return (
        looks_like_date(text)
        or parse_time(text) is not None
        or _has_label(text, _DATE_LABELS + _TIME_LABELS + _ID_LABELS)
    )


def _merchant(page: ReceiptPage, hints: Hints) -> FieldValue | None:
    header_limit = page.size[1] * 0.35
    candidates: list[tuple[int, ReceiptRow]] = []
    for i, row in enumerate(page.rows):
        if row.box[1] > header_limit:
            break
        letters = sum(ch.isalpha() for ch in row.text)
        if letters < 3 or _is_meta_row(row) or row.amount() is not None and letters < 6:
            continue
        if any(word in normalize(row.text) for word in _TITLE_WORDS):
            continue
        candidates.append((i, row))
    if hints.merchant_hint:
        hint = squash(hints.merchant_hint)
        for i, row in candidates:
            if SequenceMatcher(None, squash(row.text), hint).ratio() >= 0.7:
                return FieldValue(hints.merchant_hint, row.confidence, i)
    if not candidates:
        return None
    # The merchant is printed biggest; among equally tall rows the top one.
    i, row = max(candidates, key=lambda c: (c[1].box[3] - c[1].box[1], -c[0]))
    return FieldValue(re.sub(r"\s+", " ", row.text).strip(), row.confidence, i)


def _date_and_time(page: ReceiptPage, hints: Hints) -> tuple[FieldValue | None, FieldValue | None, str | None]:
    ordered = sorted(range(len(page.rows)), key=lambda i: not _has_label(page.rows[i].text, _DATE_LABELS))
    found_date: FieldValue | None = None
    unparsed: str | None = None
    for i in ordered:
        row = page.rows[i]
        parsed = parse_date(row.text, hints.day_first)
        if parsed is None and row.digits_text:
            parsed = parse_date(row.digits_text, hints.day_first)
        if parsed is not None:
            found_date = FieldValue(parsed, row.confidence, i)
            break
        if unparsed is None and _has_label(row.text, _DATE_LABELS) and looks_like_date(row.text):
            unparsed = row.text
    found_time: FieldValue | None = None
    time_first = sorted(range(len(page.rows)), key=lambda i: not _has_label(page.rows[i].text, _TIME_LABELS))
    for i in time_first:
        if (clock := parse_time(page.rows[i].text)) is not None:
            found_time = FieldValue(clock, page.rows[i].confidence, i)
            break
    return found_date, found_time, unparsed


def _labelled_value(page: ReceiptPage, labels: tuple[str, ...], pattern: re.Pattern[str]) -> FieldValue | None:
    for i, row in enumerate(page.rows):
        if not _has_label(row.text, labels):
            continue
        rest = _strip_label(row.text, labels)
        for token in pattern.findall(rest):
            if any(ch.isdigit() for ch in token):
                return FieldValue(token, row.confidence, i)
    return None


def _accounts(page: ReceiptPage) -> tuple[FieldValue | None, FieldValue | None]:
    found: dict[str, FieldValue] = {}
    for i, row in enumerate(page.rows):
        account = find_account(row.text)
        if account is None:
            continue
        words = set(normalize(row.text).replace(":", " ").split())
        squashed = squash(row.text)
        if "from_account" not in found and (words & {"from"} or any(w in squashed for w in _FROM_LABELS[1:])):
            found["from_account"] = FieldValue(account, row.confidence, i)
        elif "to_account" not in found and (words & {"to"} or any(w in squashed for w in _TO_LABELS[1:])):
            found["to_account"] = FieldValue(account, row.confidence, i)
    return found.get("from_account"), found.get("to_account")


def _amounts(page: ReceiptPage, hints: Hints) -> dict[str, FieldValue]:
    amounts: dict[str, FieldValue] = {}
    for i, row in enumerate(page.rows):
        if _is_meta_row(row):
            continue
        value = row.amount()
        if value is None:
            continue
        key = classify_amount_row(row, hints)
        # The first match wins, except that a later "grand total" overrides a plain "total".
        if key is None or key in amounts and key != "total":
            continue
        if key == "discount":
            value = abs(value)
        amounts[key] = FieldValue(value, row.confidence, i, normalize(row.label()).rstrip(" :"))
    return amounts


def _item_from_row(row: ReceiptRow) -> dict[str, Any] | None:
    found = trailing_amount(row.text)
    amount = row.amount()
    if found is None or amount is None:
        return None
    name = row.text[: found[1]].strip(" .:-")
    if sum(ch.isalpha() for ch in name) < 2 or _has_label(name, _NOT_ITEMS):
        return None
    quantity = 1
    if m := _QTY_PREFIX.match(name):
        quantity, name = int(m.group(1)), m.group(2)
    elif m := _QTY_SUFFIX.match(name):
        name, quantity = m.group(1), int(m.group(2))
    quantity = max(1, quantity)
    return {
        "name": re.sub(r"\s+", " ", name).strip(),
        "quantity": quantity,
        "unit_price": round(amount / quantity, 2),
        "amount": round(amount, 2),
    }


def _items(page: ReceiptPage, first_total_row: int | None, after_row: int) -> tuple[list[dict[str, Any]], list[int]]:
    end = first_total_row if first_total_row is not None else len(page.rows)
    items: list[dict[str, Any]] = []
    rows: list[int] = []
    for i in range(after_row + 1, end):
        row = page.rows[i]
        if _is_meta_row(row):
            continue
        if (item := _item_from_row(row)) is not None:
            items.append(item)
            rows.append(i)
    return items, rows


def _currency(page: ReceiptPage, amounts: dict[str, FieldValue], hints: Hints) -> FieldValue | None:
    sources: list[tuple[str, float, int | None]] = []
    if (total := amounts.get("total")) is not None and total.row is not None:
        row = page.rows[total.row]
        sources.append((row.text, row.confidence, total.row))
    sources.append((page.text, 0.9, None))
    for text, confidence, row_index in sources:
        code = detect_currency(text)
        if code is None:
            continue
        # A bare "$" says "dollars", not which: the template's own dollar currency wins.
        if code == "USD" and "USD" not in text.upper() and hints.currency_hint:
            code = hints.currency_hint
        return FieldValue(code, confidence, row_index)
    if hints.currency_hint:
        return FieldValue(hints.currency_hint, 0.5)
    return None


def _payment(page: ReceiptPage) -> FieldValue | None:
    ordered = sorted(range(len(page.rows)), key=lambda i: not _has_label(page.rows[i].text, _PAYMENT_LABELS))
    for i in ordered:
        if (method := detect_payment_method(page.rows[i].text)) is not None:
            return FieldValue(method, page.rows[i].confidence, i)
    return None


def extract(page: ReceiptPage, hints: Hints | None = None) -> Extraction:
    """All standard fields plus line items from an OCR'd receipt page."""
    hints = hints or Hints()
    fields: dict[str, FieldValue] = {}
    if (merchant := _merchant(page, hints)) is not None:
        fields["merchant_name"] = merchant
    found_date, found_time, unparsed = _date_and_time(page, hints)
    if found_date is not None:
        fields["transaction_date"] = found_date
    if found_time is not None:
        fields["transaction_time"] = found_time
    if (txid := _labelled_value(page, _ID_LABELS, _ID_TOKEN)) is not None:
        fields["transaction_id"] = txid
    amounts = _amounts(page, hints)
    fields.update(amounts)
    if (currency := _currency(page, amounts, hints)) is not None:
        fields["currency"] = currency
    if (payment := _payment(page)) is not None:
        fields["payment_method"] = payment
    from_account, to_account = _accounts(page)
    if from_account is not None:
        fields["from_account"] = from_account
    if to_account is not None:
        fields["to_account"] = to_account

    # Items sit between the header (merchant, date, receipt number) and the first totals row.
    first_total = min((a.row for a in amounts.values() if a.row is not None), default=None)
    limit = first_total if first_total is not None else len(page.rows)
    header_rows = [i for i, row in enumerate(page.rows) if i < limit and _is_meta_row(row)]
    if merchant is not None and merchant.row is not None:
        header_rows.append(merchant.row)
    header_end = max(header_rows, default=-1)
    items, item_rows = _items(page, first_total, header_end)
    return Extraction(fields, items, item_rows, unparsed)
