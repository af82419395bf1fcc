"""Receipt templates on rendered English and Thai receipts: build → query → validate."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

import pytest
from receipt_fixtures import (
    english_sample,
    english_second,
    render_receipt,
    thai_sample,
    thai_second,
)

from reelforge.imaging.receipts import STANDARD_FIELDS, build_template, query_receipt, template_hash
from reelforge.imaging.receipts.parsing import (
    detect_currency,
    find_amounts,
    parse_date,
    parse_time,
    squash,
    trailing_amount,
)
from reelforge.providers.ocr import tesseract_available

needs_tesseract = pytest.mark.skipif(
    not tesseract_available("tha+eng"), reason="tesseract-ocr with eng+tha packs is not installed"
)


# --- parsing units (no OCR) ------------------------------------------------------------------


def test_amount_parsing_skips_percentages_ids_and_clock_times() -> None:
    assert trailing_amount("Tax 7% $1.67")[0] == 1.67  # type: ignore[index]
    assert trailing_amount("TOTAL USD $25.57")[0] == 25.57  # type: ignore[index]
    assert trailing_amount("Total 1,234.50")[0] == 1234.5  # type: ignore[index]
    assert trailing_amount("ยอดสุทธิ 246.10 บาท")[0] == 246.1  # type: ignore[index]
    assert find_amounts("Receipt No: HF-204518") == []
    assert trailing_amount("Discount -$5.00")[0] == -5.0  # type: ignore[index]


def test_dates_times_currencies() -> None:
    assert str(parse_date("Date: 14 Jan 2026 Time: 17:25")) == "2026-01-14"
    assert str(parse_date("วันที่ : 09/03/2569")) == "2026-03-09"  # Buddhist era
    assert str(parse_date("01/14/2026")) == "2026-01-14"  # only fits month-first
    assert str(parse_date("14 ม.ค. 2569")) == "2026-01-14"
    assert parse_date("no date here") is None
    assert parse_time("เวลา : 10:15") == "10:15"
    assert parse_time("12.50") is None
    assert detect_currency("TOTAL USD $25.57") == "USD"
    assert detect_currency("246.10 บาท") == "THB"
    assert detect_currency("€12.00") == "EUR"


def test_template_hash_is_canonical() -> None:
    a = {"schema_version": "1.0", "fields": [{"key": "total"}], "merchant_hint": "X"}
    b = {"merchant_hint": "X", "fields": [{"key": "total"}], "schema_version": "1.0"}
    assert template_hash(a) == template_hash(b)
    assert len(template_hash(a)) == 64
    assert template_hash(a) != template_hash({**a, "merchant_hint": "Y"})


# --- end to end ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def english_template() -> dict[str, Any]:
    return build_template(render_receipt(english_sample()), "harbour-template")


@pytest.fixture(scope="module")
def thai_template() -> dict[str, Any]:
    return build_template(render_receipt(thai_sample()), "baan-suan-template")


def _names_match(found: list[dict[str, Any]], expected: list[tuple[str, int, float]]) -> None:
    assert len(found) == len(expected)
    for item, (name, qty, amount) in zip(found, expected, strict=True):
        assert item["quantity"] == qty
        assert item["amount"] == pytest.approx(amount)
        # Thai item names may lose a tone mark in OCR; the name must still be recognisable.
        assert SequenceMatcher(None, squash(item["name"]), squash(name)).ratio() >= 0.6, (item, name)


@needs_tesseract
def test_english_template_shape(english_template: dict[str, Any]) -> None:
    tpl = english_template
    normalized = tpl["normalized_template"]
    assert tpl["template_name"] == "harbour-template"
    assert tpl["template_hash"] == template_hash(normalized)
    assert tpl["template_json"] == normalized
    assert normalized["schema_version"] == "1.0"
    assert normalized["merchant_hint"] == "Harbour Fresh Market"
    assert normalized["currency_hint"] == "USD"
    assert [roi["id"] for roi in normalized["rois"]] == ["meta_header", "line_items", "totals"]
    for roi in normalized["rois"]:
        assert 0 <= roi["left"] <= 1 and 0 <= roi["top"] <= 1
        assert 0 < roi["width"] <= 1 and 0 < roi["height"] <= 1
    fields = {f["key"]: f for f in normalized["fields"]}
    for key in ("merchant_name", "transaction_date", "total"):
        assert fields[key]["required"] is True
    assert fields["total"]["type"] == "currency" and fields["transaction_date"]["type"] == "date"
    assert normalized["validation_rules"] == {"arithmetic": True, "amount_tolerance": 0.05}
    sample = tpl["sample_receipt"]
    assert sample["merchant_name"] == "Harbour Fresh Market"
    assert sample["transaction_date"] == "2026-01-14"
    assert sample["total"] == pytest.approx(english_sample().total)


@needs_tesseract
def test_english_query_on_second_receipt(english_template: dict[str, Any]) -> None:
    spec = english_second()
    result = query_receipt(english_template, render_receipt(spec))
    assert set(result) == {
        "receipt_json", "standardized_receipt", "items", "unreadable_fields", "confidence", "validation", "attempts",
    }
    std = result["standardized_receipt"]
    assert list(std) == list(STANDARD_FIELDS)
    assert std["merchant_name"] == "Harbour Fresh Market"
    assert std["transaction_date"] == "2026-02-03"
    assert std["transaction_time"] == "09:41"
    assert std["transaction_id"] == "HF-209977"
    assert std["currency"] == "USD"
    assert std["subtotal"] == pytest.approx(spec.subtotal)
    assert std["tax"] == pytest.approx(spec.tax)
    assert std["total"] == pytest.approx(spec.total)
    assert std["payment_method"] == "card"
    _names_match(result["items"], [(i.name, i.qty, i.amount) for i in spec.items])
    assert result["receipt_json"]["total"] == pytest.approx(spec.total)
    assert result["validation"] == {"is_valid": True, "issues": []}
    assert result["unreadable_fields"] == []
    assert 0.5 < result["confidence"] <= 1
    assert result["attempts"] >= 1


@needs_tesseract
def test_receipt_that_does_not_add_up_is_invalid(english_template: dict[str, Any]) -> None:
    spec = english_second(total_override=30.00, seed=11)
    result = query_receipt(english_template, render_receipt(spec))
    assert result["standardized_receipt"]["total"] == pytest.approx(30.00)
    assert result["validation"]["is_valid"] is False
    arithmetic = [i for i in result["validation"]["issues"] if i["type"] == "arithmetic"]
    assert arithmetic and arithmetic[0]["field"] == "total"
    assert arithmetic[0]["expected"] == pytest.approx(spec.subtotal + spec.tax)
    assert result["attempts"] == 2  # an invalid first reading is retried on an enhanced image


@needs_tesseract
def test_thai_template_and_query(thai_template: dict[str, Any]) -> None:
    normalized = thai_template["normalized_template"]
    assert normalized["language"] == "th"
    assert normalized["currency_hint"] == "THB"
    assert SequenceMatcher(None, squash(normalized["merchant_hint"]), squash("ร้านกาแฟบ้านสวน")).ratio() >= 0.85
    assert thai_template["sample_receipt"]["transaction_date"] == "2026-01-14"

    spec = thai_second()
    result = query_receipt(thai_template, render_receipt(spec))
    std = result["standardized_receipt"]
    assert std["merchant_name"] == normalized["merchant_hint"]  # recognised as the template's merchant
    assert std["transaction_date"] == "2026-03-09"  # printed as 09/03/2569 (Buddhist era)
    assert std["currency"] == "THB"
    assert std["total"] == pytest.approx(spec.total)
    assert std["subtotal"] == pytest.approx(spec.subtotal)
    assert std["payment_method"] == "cash"
    _names_match(result["items"], [(i.name, i.qty, i.amount) for i in spec.items])
    assert result["validation"]["is_valid"] is True


@needs_tesseract
def test_thai_receipt_that_does_not_add_up(thai_template: dict[str, Any]) -> None:
    result = query_receipt(thai_template, render_receipt(thai_second(total_override=300.00, seed=12)), max_attempts=1)
    assert result["validation"]["is_valid"] is False
    assert any(i["code"] == "arithmetic_mismatch" for i in result["validation"]["issues"])
    assert result["attempts"] == 1
