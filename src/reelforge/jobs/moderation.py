"""Moderation (``/v2/external/moderation``, and OpenAI's own path ``/v1/moderations``): one or more
texts judged by the configured endpoint's moderation model or the packaged offline classifier
(providers/moderation.py). Priced per text at prices.json ``routes.moderation``: 0 by default, since
samsar-js documents moderation as free. Run in-process: the offline classifier answers in milliseconds."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.stages.moderation import moderate_texts
from reelforge.stages.outputs import StageOutput

MAX_TEXTS = 32
MAX_CHARS = 32_000


class ModerationRequest(RequestBody):
    # Checked in ``prepare`` (``texts``), not by pydantic: a field named ``input`` is the envelope's
    # key to the error formatter, which would name no field.
    input: Any = Field(None, validation_alias=aliases("input", "text"))
    model: str | None = Field(None, max_length=100)


def texts(value: Any) -> list[str]:
    """OpenAI's forms: a string, a list of strings, or ``{"type": "text", "text": ...}`` parts."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TEXTS:
        raise BadRequest(f"input must be a string or a list of 1 to {MAX_TEXTS} strings.", field="input")
    out: list[str] = []
    for i, item in enumerate(value):
        text = item.get("text") if isinstance(item, dict) and item.get("type") == "text" else item
        if not isinstance(text, str) or not text.strip():
            raise BadRequest(f"input[{i}] must be a non-empty string.", field=f"input[{i}]")
        if len(text) > MAX_CHARS:
            raise BadRequest(f"input[{i}] is over {MAX_CHARS} characters.", field=f"input[{i}]")
        out.append(text)
    return out


class ModerationJob(JobInput):
    texts: list[str]
    model: str | None = None


def _moderate(ctx: StageContext[ModerationJob]) -> StageOutput:
    return moderate_texts(ctx.env, ctx.job.texts, ctx.job.model)


class ModerationKind(SingleStageKind[ModerationRequest, ModerationJob]):
    case_type = "moderation"
    media_type = "image"  # the requests table has two media types; moderation belongs to neither video list
    id_prefix = "modr"
    input_model = ModerationJob
    only_stage = StageDef[ModerationJob]("moderation", _moderate)

    def prepare(self, body: ModerationRequest, env: PrepareEnv) -> Prepared[ModerationJob]:
        return Prepared(ModerationJob(texts=texts(body.input), model=body.model))

    def price(self, job: ModerationJob, prices: PriceTable) -> int:
        return prices.route("moderation") * len(job.texts)


MODERATION = register(ModerationKind())
