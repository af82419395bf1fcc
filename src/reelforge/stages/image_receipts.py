"""Stages receipt_template_create / receipt_template_query: build a receipt template from a sample
receipt; query a receipt against a template.

Input problems are raised as ``"image_url: ..."`` so the synchronous routes answer 400 naming
the field (see ``api.sync_jobs``); the failed request is refunded by the engine.
"""

from __future__ import annotations

from reelforge.core import receipt_templates
from reelforge.core.principals import Owner
from reelforge.imaging.receipts import ReceiptTemplateError, build_template, query_receipt
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input
from reelforge.stages.outputs import Published


class ReceiptInputError(ValueError):
    """The receipt image cannot be used; the message names the ``image_url`` field."""


def create_template(
    env: StageEnv, input_key: str, template_id: str, template_name: str | None, image_url: str
) -> Published:
    try:
        built = build_template(open_input(env, input_key), template_name)
    except ReceiptTemplateError as exc:
        raise ReceiptInputError(f"image_url: {exc}") from exc
    row = receipt_templates.save(
        env.rt.db, template_id, _owner(env), built, image_url, env.request_id
    )
    return Published(result=receipt_templates.payload(row))


def _owner(env: StageEnv) -> Owner:
    """Who the request was made for: its template belongs to (and is read as) them."""
    return Owner(env.request.account_id, env.request.external_user_id)


def query_template(env: StageEnv, input_key: str, template_id: str) -> Published:
    template = receipt_templates.get_owned(env.rt.db, _owner(env), template_id)
    extracted = query_receipt({"normalized_template": template.normalized_template}, open_input(env, input_key))
    return Published(result={**receipt_templates.identity(template), **extracted})
