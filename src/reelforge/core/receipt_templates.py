"""Saved receipt templates: per-account records of what ``imaging.receipts.build_template`` made.

A template belongs to the account that created it; every other account gets 404 for its id
(never 403, so ids do not leak).
"""

from __future__ import annotations

from typing import Any

from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.ids import new_id
from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import ReceiptTemplate, wire_time


def new_template_id() -> str:
    return new_id("receipt_tpl", 12)


def save(
    db: Database,
    template_id: str,
    owner: Owner,
    built: dict[str, Any],
    source_image_url: str | None,
    request_id: str | None,
) -> ReceiptTemplate:
    """Store a built template under ``template_id``; saving the same id again (a re-run stage)
    replaces the content rather than failing."""
    with db.session() as s:
        row = s.get(ReceiptTemplate, template_id) or ReceiptTemplate(
            id=template_id, account_id=owner.account_id, external_user_id=owner.external_user_id
        )
        row.name = built["template_name"]
        row.template_hash = built["template_hash"]
        row.normalized_template = built["normalized_template"]
        row.sample_receipt = built["sample_receipt"]
        row.provider = built.get("provider") or {}
        row.source_image_url = source_image_url
        row.request_id = request_id
        s.add(row)
        s.flush()  # applies the column defaults (created_at) before the session closes
    return row


def get_owned(db: Database, owner: Owner, template_id: str | None) -> ReceiptTemplate:
    if not template_id or not template_id.strip():
        raise BadRequest("template_id is required.", field="template_id")
    with db.session() as s:
        row = s.get(ReceiptTemplate, template_id.strip())
    if row is None or not owner.owns(row.account_id, row.external_user_id):
        raise NotFound(f"No receipt template with id {template_id!r}.", field="template_id")
    return row


def identity(row: ReceiptTemplate) -> dict[str, Any]:
    """The fields every receipt response starts with."""
    return {"template_id": row.id, "template_hash": row.template_hash, "template_name": row.name}


def payload(row: ReceiptTemplate) -> dict[str, Any]:
    """``GET /v1/image/template_json``'s body (``template_json`` mirrors ``normalized_template``)."""
    return {
        **identity(row),
        "source_image_url": row.source_image_url,
        "normalized_template": row.normalized_template,
        "template_json": row.normalized_template,
        "sample_receipt": row.sample_receipt,
        "provider": row.provider,
        "created_at": wire_time(row.created_at),
        "updated_at": wire_time(row.updated_at),
    }
