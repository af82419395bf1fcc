"""Querying a receipt against a saved template: extraction plus validation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PIL import Image

from reelforge.providers.ocr import OcrEngine

from .extract import AMOUNT_FIELDS, Extraction, extract
from .layout import prepare_attempt, read_receipt
from .template import DEFAULT_AMOUNT_TOLERANCE, hints_from_template

MAX_ATTEMPTS = 2


def _issue(kind: str, code: str, field: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "code": code, "field": field, "message": message, **extra}


def _arithmetic_issues(extraction: Extraction, tolerance: float) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    total = extraction.value("total")
    subtotal = extraction.value("subtotal")
    items_sum = round(sum(item["amount"] for item in extraction.items), 2) if extraction.items else None
    if subtotal is not None and items_sum is not None and abs(items_sum - subtotal) > tolerance:
        issues.append(_issue(
            "arithmetic", "items_sum_mismatch", "subtotal",
            f"line items add up to {items_sum:.2f} but the subtotal is {subtotal:.2f}",
            expected=items_sum, actual=subtotal,
        ))
    base = subtotal if subtotal is not None else items_sum
    if total is None or base is None:
        return issues
    tax, fee, discount = (extraction.value(k) or 0.0 for k in ("tax", "fee", "discount"))
    expected = round(base + tax + fee - discount, 2)
    tax_included = round(base + fee - discount, 2)  # receipts that print VAT "included"
    if abs(expected - total) > tolerance and abs(tax_included - total) > tolerance:
        issues.append(_issue(
            "arithmetic", "arithmetic_mismatch", "total",
            f"subtotal {base:.2f} + tax {tax:.2f} + fee {fee:.2f} - discount {discount:.2f} = "
            f"{expected:.2f}, but the total is {total:.2f}",
            expected=expected, actual=total,
        ))
    return issues


def validate(extraction: Extraction, normalized: dict[str, Any]) -> dict[str, Any]:
    """``{"is_valid", "issues"}``: required fields present, dates parse and are plausible,
    subtotal + tax + fee - discount = total within the template's ``amount_tolerance``."""
    rules = normalized.get("validation_rules") or {}
    issues: list[dict[str, Any]] = []
    for spec in normalized.get("fields", []):
        if spec.get("required") and spec.get("key") != "items" and extraction.value(spec["key"]) is None:
            issues.append(_issue("required", "missing_required_field", spec["key"],
                                 f"required field {spec['key']} could not be read"))
    found_date = extraction.value("transaction_date")
    if extraction.unparsed_date is not None and found_date is None:
        issues.append(_issue("date", "invalid_date", "transaction_date",
                             f"could not parse a date from {extraction.unparsed_date!r}"))
    elif isinstance(found_date, date) and not (
        date(1990, 1, 1) <= found_date <= date.today() + timedelta(days=366)
    ):
        issues.append(_issue("date", "implausible_date", "transaction_date",
                             f"transaction date {found_date.isoformat()} is out of range"))
    for key in AMOUNT_FIELDS:
        value = extraction.value(key)
        if value is not None and value < 0:
            issues.append(_issue("amount", "negative_amount", key, f"{key} is negative ({value:.2f})"))
    if rules.get("arithmetic", True):
        tolerance = float(rules.get("amount_tolerance", DEFAULT_AMOUNT_TOLERANCE))
        issues.extend(_arithmetic_issues(extraction, tolerance))
    return {"is_valid": not issues, "issues": issues}


def _template_keys(normalized: dict[str, Any]) -> list[str]:
    return [str(spec["key"]) for spec in normalized.get("fields", []) if isinstance(spec, dict) and "key" in spec]


def _assemble(extraction: Extraction, normalized: dict[str, Any]) -> dict[str, Any]:
    standardized = extraction.standardized()
    keys = _template_keys(normalized)
    receipt_json: dict[str, Any] = {}
    for key in keys:
        receipt_json[key] = extraction.items if key == "items" else standardized.get(key)
    unreadable = [key for key in keys if key != "items" and standardized.get(key) is None]
    scored = [key for key in keys if key != "items"]
    confidences = [extraction.fields[k].confidence if k in extraction.fields else 0.0 for k in scored]
    confidence = round(sum(confidences) / len(confidences), 2) if confidences else 0.0
    return {
        "receipt_json": receipt_json,
        "standardized_receipt": standardized,
        "items": extraction.items,
        "unreadable_fields": unreadable,
        "confidence": confidence,
        "validation": validate(extraction, normalized),
    }


def query_receipt(
    template: dict[str, Any],
    img: Image.Image,
    *,
    ocr: OcrEngine | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """Extract a receipt with a template (the stored record or its ``normalized_template``).

    Returns ``{"receipt_json", "standardized_receipt", "items", "unreadable_fields",
    "confidence", "validation", "attempts"}``. A second OCR attempt on an enhanced image is
    made when the first leaves required fields unread or fails validation; the better result
    (fewer unreadable fields, then valid, then more confident) is returned.
    """
    normalized = template.get("normalized_template", template)
    hints = hints_from_template(normalized)
    best: dict[str, Any] | None = None
    attempts = 0
    for attempt in range(1, max(1, max_attempts) + 1):
        attempts = attempt
        page = read_receipt(prepare_attempt(img, attempt), normalized.get("language"), ocr)
        result = _assemble(extract(page, hints), normalized)
        if best is None or _rank(result) > _rank(best):
            best = result
        if not best["unreadable_fields"] and best["validation"]["is_valid"]:
            break
    assert best is not None
    return {**best, "attempts": attempts}


def _rank(result: dict[str, Any]) -> tuple[int, bool, float]:
    return (-len(result["unreadable_fields"]), result["validation"]["is_valid"], result["confidence"])
