"""Moderation (``/v2/external/moderation``, and OpenAI's own path ``/v1/moderations``): one or more
texts judged by the configured endpoint's moderation model or the packaged offline classifier
(providers/moderation.py). Priced per text (prices.json ``routes.moderation``), run in-process: the
offline classifier answers in milliseconds."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.stages.moderation import moderate_texts
from reelforge.stages.outputs import StageOutput

MAX_TEXTS = 32
MAX_CHARS = 32_000


class ModerationRequest(RequestBody):
    input: list[str] = Field(..., min_length=1, max_length=MAX_TEXTS, validation_alias=aliases("input", "text"))
    model: str | None = Field(None, max_length=100)

    @field_validator("input", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        """OpenAI's forms: a string, a list of strings, or ``{"type": "text", "text": ...}`` parts."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            value = [v.get("text") if isinstance(v, dict) and v.get("type") == "text" else v for v in value]
            for i, text in enumerate(value):
                if not isinstance(text, str) or not text.strip():
                    raise ValueError(f"input[{i}] must be a non-empty string")
                if len(text) > MAX_CHARS:
                    raise ValueError(f"input[{i}] is over {MAX_CHARS} characters")
        return value


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
        return Prepared(ModerationJob(texts=body.input, model=body.model))

    def price(self, job: ModerationJob, prices: PriceTable) -> int:
        return prices.route("moderation") * len(job.texts)


MODERATION = register(ModerationKind())
