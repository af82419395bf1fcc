"""Receipt templates through HTTP: create → template_json → query (English and Thai),
validation of receipts that do not add up, ownership (404 across accounts), billing."""

from __future__ import annotations

import io
from difflib import SequenceMatcher
from typing import Any

import pytest

from imaging.photo_fixtures import landscape_photo
from imaging.receipt_fixtures import english_sample, english_second, render_receipt, thai_sample, thai_second
from reelforge.imaging.receipts import STANDARD_FIELDS
from reelforge.imaging.receipts.parsing import squash
from reelforge.providers.ocr import tesseract_available
from support import FixtureHTTP, ReelforgeServer, credits_left
from support.media import image_data_url

pytestmark = pytest.mark.skipif(
    not tesseract_available("tha+eng"), reason="tesseract-ocr with eng+tha packs is not installed"
)


def names_match(found: list[dict[str, Any]], expected: list[tuple[str, int, float]]) -> None:
    assert len(found) == len(expected), found
    for item, (name, qty, amount) in zip(found, expected, strict=True):
        assert item["quantity"] == qty and item["amount"] == pytest.approx(amount)
        assert SequenceMatcher(None, squash(item["name"]), squash(name)).ratio() >= 0.6, (item, name)


@pytest.fixture(scope="module")
def owner(server: ReelforgeServer) -> str:
    return server.new_key(credits=200)


@pytest.fixture(scope="module")
def english_template(server: ReelforgeServer, owner: str, fixture_http: FixtureHTTP) -> dict[str, Any]:
    buf = io.BytesIO()
    render_receipt(english_sample()).save(buf, format="PNG")
    url = fixture_http.serve_bytes("/receipts/harbour.png", buf.getvalue(), "image/png")
    with server.client(owner, timeout=120) as c:
        # camelCase aliases, as some clients send them
        r = c.post("/v1/image/receipt_templates/create", json={"imageUrl": url, "templateName": "harbour-template"})
    assert r.status_code == 200, r.text
    assert r.headers["x-credits-charged"] == "0" and r.json()["creditsCharged"] == 0
    return dict(r.json())


def test_english_create_template_json_and_query(
    server: ReelforgeServer, owner: str, english_template: dict[str, Any]
) -> None:
    tpl = english_template
    assert tpl["template_id"].startswith("receipt_tpl_") and len(tpl["template_hash"]) == 64
    assert tpl["template_name"] == "harbour-template"
    normalized = tpl["normalized_template"]
    assert normalized["merchant_hint"] == "Harbour Fresh Market" and normalized["currency_hint"] == "USD"
    assert [roi["id"] for roi in normalized["rois"]] == ["meta_header", "line_items", "totals"]
    assert {f["key"] for f in normalized["fields"] if f["required"]} >= {"merchant_name", "transaction_date", "total"}
    assert tpl["sample_receipt"]["transaction_date"] == "2026-01-14"

    with server.client(owner, timeout=120) as c:
        before = credits_left(c)
        for path in ("/v1/image/template_json", "/v1/image/receipt_templates/template_json"):
            r = c.get(path, params={"template_id": tpl["template_id"]})
            assert r.status_code == 200, r.text
            saved = r.json()
            assert saved["template_json"] == saved["normalized_template"] == normalized
            assert saved["template_hash"] == tpl["template_hash"] and saved["sample_receipt"] == tpl["sample_receipt"]
            assert saved["source_image_url"].endswith("/receipts/harbour.png") and saved["created_at"].endswith("Z")

        spec = english_second()
        query = {"template_id": tpl["template_id"], "image_url": image_data_url(render_receipt(spec))}
        quote = c.post("/v1/image/receipt_templates/query", json={**query, "quote_only": True}).json()
        assert quote["status"] == "quote" and quote["credits"] == 50 and credits_left(c) == before  # what it charges
        r = c.post("/v1/image/receipt_templates/query", json=query, headers={"Idempotency-Key": "q-1"})
        assert r.status_code == 200, r.text
        replay = c.post("/v1/image/receipt_templates/query", json=query, headers={"Idempotency-Key": "q-1"})
        assert replay.status_code == 200 and replay.json() == r.json()  # answered again, charged once
        assert replay.headers["idempotent-replayed"] == "true"
        assert r.headers["x-credits-charged"] == "50" and r.headers["x-credits-remaining"] == str(before - 50)
        out = r.json()
        assert out["creditsCharged"] == 50 and out["remainingCredits"] == before - 50
        assert out["template_id"] == tpl["template_id"] and out["template_hash"] == tpl["template_hash"]
        std = out["standardized_receipt"]
        assert list(std) == list(STANDARD_FIELDS)
        assert std["merchant_name"] == "Harbour Fresh Market"
        assert std["transaction_date"] == "2026-02-03"
        assert std["currency"] == "USD"
        assert std["total"] == pytest.approx(spec.total)
        assert out["receipt_json"]["total"] == pytest.approx(spec.total)
        names_match(out["items"], [(i.name, i.qty, i.amount) for i in spec.items])
        assert out["validation"] == {"is_valid": True, "issues": []}
        assert out["unreadable_fields"] == [] and 0 < out["confidence"] <= 1 and out["attempts"] >= 1
        assert credits_left(c) == before - 50

        listed = {s["case_type"]: s for s in c.get("/v1/image/list").json()["sessions"]}
        assert listed["receipt_template_query"]["status"] == "COMPLETED"
        assert listed["receipt_template_create"]["status"] == "COMPLETED"


def test_receipt_that_does_not_add_up_is_invalid(
    server: ReelforgeServer, owner: str, english_template: dict[str, Any]
) -> None:
    spec = english_second(total_override=30.00, seed=11)
    with server.client(owner, timeout=120) as c:
        r = c.post(
            "/v1/image/receipt_templates/query",
            json={
                "input": {
                    "receipt_template_id": english_template["template_id"],
                    "receipt_url": image_data_url(render_receipt(spec)),
                }
            },
        )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["standardized_receipt"]["total"] == pytest.approx(30.00)
    assert out["validation"]["is_valid"] is False
    arithmetic = [i for i in out["validation"]["issues"] if i["type"] == "arithmetic"]
    assert arithmetic and arithmetic[0]["field"] == "total"


def test_thai_create_and_query(server: ReelforgeServer) -> None:
    key = server.new_key(credits=50)
    with server.client(key, timeout=120) as c:
        r = c.post("/v1/image/receipt_templates/create",
                   json={"receipt_url": image_data_url(render_receipt(thai_sample()))})
        assert r.status_code == 200, r.text
        tpl = r.json()
        normalized = tpl["normalized_template"]
        assert normalized["currency_hint"] == "THB" and normalized["language"] == "th"
        assert SequenceMatcher(None, squash(normalized["merchant_hint"]), squash("ร้านกาแฟบ้านสวน")).ratio() >= 0.85
        assert c.get("/v1/image/template_json", params={"template_id": tpl["template_id"]}).status_code == 200

        spec = thai_second()
        r = c.post(
            "/v1/image/receipt_templates/query",
            json={"template_id": tpl["template_id"], "image_url": image_data_url(render_receipt(spec))},
        )
        assert r.status_code == 200, r.text
        out = r.json()
        std = out["standardized_receipt"]
        assert std["merchant_name"] == normalized["merchant_hint"]
        assert std["transaction_date"] == "2026-03-09"
        assert std["currency"] == "THB"
        assert std["total"] == pytest.approx(spec.total)
        names_match(out["items"], [(i.name, i.qty, i.amount) for i in spec.items])
        assert out["validation"]["is_valid"] is True
        assert out["remainingCredits"] == 0 and credits_left(c) == 0


def test_templates_are_private_to_their_account(
    server: ReelforgeServer, owner: str, english_template: dict[str, Any]
) -> None:
    stranger = server.new_key(credits=100)
    with server.client(stranger) as c:
        for path in ("/v1/image/template_json", "/v1/image/receipt_templates/template_json"):
            r = c.get(path, params={"template_id": english_template["template_id"]})
            assert r.status_code == 404, r.text
        r = c.post(
            "/v1/image/receipt_templates/query",
            json={
                "template_id": english_template["template_id"],
                "image_url": image_data_url(render_receipt(english_second())),
            },
        )
        assert r.status_code == 404, r.text
        assert c.get("/v1/image/template_json").status_code == 400  # template_id is required
        assert credits_left(c) == 100 and c.get("/v1/image/list").json()["sessions"] == []


def test_receipt_errors_are_free_and_a_short_query_is_a_402(server: ReelforgeServer) -> None:
    key = server.new_key(credits=49)
    receipt = image_data_url(render_receipt(english_second()))
    with server.client(key, timeout=120) as c:
        # Not a receipt: the job fails and the answer is a 400 on image_url; no template is kept.
        r = c.post("/v1/image/receipt_templates/create", json={"image_url": image_data_url(landscape_photo(320, 214))})
        assert r.status_code == 400 and r.json()["field"] == "image_url", r.text
        r = c.post("/v1/image/receipt_templates/create", json={"template_name": "x"})
        assert r.status_code == 400 and r.json()["field"] == "image_url", r.text
        r = c.post("/v1/image/receipt_templates/create", json={"image_url": "data:image/png;base64,aGVsbG8="})
        assert r.status_code == 400 and r.json()["field"] == "image_url", r.text
        r = c.post("/v1/image/receipt_templates/query", json={"image_url": receipt})
        assert r.status_code == 400 and r.json()["field"] == "template_id", r.text

        r = c.post("/v1/image/receipt_templates/create",
                   json={"template_url": image_data_url(render_receipt(english_sample()))})
        assert r.status_code == 200, r.text
        template_id = r.json()["template_id"]
        r = c.post("/v1/image/receipt_templates/query", json={"template_id": template_id})
        assert r.status_code == 400 and r.json()["field"] == "image_url", r.text
        r = c.post("/v1/image/receipt_templates/query", json={"template_id": template_id, "image_url": receipt})
        assert r.status_code == 402, r.text  # 49 credits, a query costs 50
        assert credits_left(c) == 49
        statuses = sorted((s["case_type"], s["status"]) for s in c.get("/v1/image/list").json()["sessions"])
        assert statuses == [("receipt_template_create", "COMPLETED"), ("receipt_template_create", "FAILED")]
