"""Stages: build a receipt template from a sample receipt; query a receipt against a template.

Input problems are raised as ``"image_url: ..."`` so the synchronous routes answer 400 naming
the field (see ``api.sync_jobs``); the failed request is refunded by the engine.
"""

from __future__ import annotations

from typing import Any

from reelforge.core import receipt_templates
from reelforge.imaging.receipts import ReceiptTemplateError, build_template, query_receipt
from reelforge.pipeline.registry import StageContext, stage
from reelforge.stages.image_output import open_input


class ReceiptInputError(ValueError):
    """The receipt image cannot be used; the message names the ``image_url`` field."""


@stage("receipt_template_create", queue="cpu")
def create(ctx: StageContext) -> dict[str, Any]:
    img = open_input(ctx, ctx.input["input_key"])
    try:
        built = build_template(img, ctx.input.get("template_name"))
    except ReceiptTemplateError as exc:
        raise ReceiptInputError(f"image_url: {exc}") from exc
    row = receipt_templates.save(
        ctx.rt.db,
        ctx.input["template_id"],
        ctx.request.account_id,
        built,
        ctx.input.get("image_url"),
        ctx.request.id,
    )
    return {"result": receipt_templates.payload(row)}


@stage("receipt_template_query", queue="cpu")
def query(ctx: StageContext) -> dict[str, Any]:
    template = receipt_templates.get_owned(ctx.rt.db, ctx.request.account_id, ctx.input["template_id"])
    img = open_input(ctx, ctx.input["input_key"])
    extracted = query_receipt({"normalized_template": template.normalized_template}, img)
    return {"result": {**receipt_templates.identity(template), **extracted}}
