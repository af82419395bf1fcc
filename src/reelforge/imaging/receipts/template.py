"""Building a reusable receipt template from one sample receipt."""

from __future__ import annotations

import re
from typing import Any

from PIL import Image

from reelforge.core.hashing import content_hash
from reelforge.providers.ocr import OcrEngine

from .extract import AMOUNT_FIELDS, FIELD_TYPES, STANDARD_FIELDS, Extraction, Hints, extract
from .layout import ReceiptPage, read_receipt

SCHEMA_VERSION = "1.0"
ALWAYS_REQUIRED: tuple[str, ...] = ("merchant_name", "transaction_date", "total")
DEFAULT_AMOUNT_TOLERANCE = 0.05


class ReceiptTemplateError(ValueError):
    """The sample image cannot serve as a receipt template (no readable receipt text)."""


def template_hash(normalized_template: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a normalized template (stable across key order)."""
    return content_hash(normalized_template)


def _fraction_roi(page: ReceiptPage, rows: list[int], roi_id: str, label: str, full_width: bool) -> dict[str, Any]:
    w, h = page.size
    boxes = [page.rows[i].box for i in rows]
    top = max(0.0, min(b[1] for b in boxes) / h - 0.01)
    bottom = min(1.0, max(b[3] for b in boxes) / h + 0.01)
    left = 0.0 if full_width else max(0.0, min(b[0] for b in boxes) / w - 0.01)
    right = 1.0 if full_width else min(1.0, max(b[2] for b in boxes) / w + 0.01)
    return {
        "id": roi_id,
        "label": label,
        "left": round(left, 3),
        "top": round(top, 3),
        "width": round(right - left, 3),
        "height": round(bottom - top, 3),
    }


def _rois(page: ReceiptPage, extraction: Extraction) -> list[dict[str, Any]]:
    amount_rows = sorted(
        fv.row for key, fv in extraction.fields.items() if key in AMOUNT_FIELDS and fv.row is not None
    )
    first_total = amount_rows[0] if amount_rows else len(page.rows)
    header_rows = [0, *(fv.row for key, fv in extraction.fields.items()
                        if key not in AMOUNT_FIELDS and fv.row is not None and fv.row < first_total)]
    item_rows = extraction.item_rows or list(range(max(header_rows) + 1, first_total))
    rois = [_fraction_roi(page, header_rows, "meta_header", "Header and Meta", full_width=True)]
    rois[0]["top"], rois[0]["height"] = 0.0, round(rois[0]["top"] + rois[0]["height"], 3)
    if item_rows:
        rois.append(_fraction_roi(page, item_rows, "line_items", "Line Items/Table", full_width=True))
    if amount_rows:
        rois.append(_fraction_roi(page, amount_rows, "totals", "Totals", full_width=False))
    return rois


def _fields(extraction: Extraction) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    for key in STANDARD_FIELDS:
        found = extraction.fields.get(key)
        if found is None and key not in ALWAYS_REQUIRED:
            continue
        spec: dict[str, Any] = {"key": key, "type": FIELD_TYPES[key], "required": key in ALWAYS_REQUIRED}
        if found is not None and found.label:
            spec["label"] = found.label  # learned label text, matched first on queries
        fields.append(spec)
    if extraction.items:
        fields.append({"key": "items", "type": "array", "required": False})
    return fields


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "receipt"


def build_template(
    img: Image.Image,
    template_name: str | None = None,
    *,
    ocr: OcrEngine | None = None,
    amount_tolerance: float = DEFAULT_AMOUNT_TOLERANCE,
) -> dict[str, Any]:
    """OCR one sample receipt and derive its normalized template.

    Returns ``{"template_name", "template_hash", "normalized_template", "template_json",
    "sample_receipt", "provider"}``; the route adds ``template_id``, ``source_image_url`` and
    timestamps. Raises :class:`ReceiptTemplateError` when no receipt text can be read.
    """
    page = read_receipt(img.convert("RGB"), engine=ocr)
    if not page.rows:
        raise ReceiptTemplateError("no text could be read from the sample receipt image")
    extraction = extract(page)
    if all(extraction.value(key) is None for key in ("total", "transaction_date", "subtotal")):
        raise ReceiptTemplateError("the sample image does not look like a receipt: no date or amounts found")
    merchant = extraction.value("merchant_name")
    currency = extraction.value("currency")
    normalized: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "merchant_hint": merchant,
        "currency_hint": currency,
        "language": page.language,
        "date_order": "MDY" if currency == "USD" else "DMY",
        "rois": _rois(page, extraction),
        "fields": _fields(extraction),
        "validation_rules": {"arithmetic": True, "amount_tolerance": amount_tolerance},
    }
    sample = {key: value for key, value in extraction.standardized().items() if value is not None}
    if extraction.items:
        sample["items"] = extraction.items
    return {
        "template_name": template_name or f"{_slug(merchant or 'receipt')}-template",
        "template_hash": template_hash(normalized),
        "normalized_template": normalized,
        "template_json": normalized,
        "sample_receipt": sample,
        "provider": {"model": page.engine, "source": "offline_ocr"},
    }


def hints_from_template(normalized: dict[str, Any]) -> Hints:
    learned = {
        spec["key"]: re.sub(r"\s+", "", str(spec["label"]))
        for spec in normalized.get("fields", [])
        if isinstance(spec, dict) and spec.get("label")
    }
    return Hints(
        merchant_hint=normalized.get("merchant_hint"),
        currency_hint=normalized.get("currency_hint"),
        day_first=normalized.get("date_order", "DMY") != "MDY",
        learned_labels=learned,
    )
