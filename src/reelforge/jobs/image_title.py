"""``assign_title``: a short SEO title for an image (free, answered synchronously). The OCR and
vision models run on the workers like every other job, not in the API process."""

from __future__ import annotations

import json
from typing import Any

from pydantic import AliasChoices, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import ImageStageKind, JobInput, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.stages.image_title import title_image
from reelforge.stages.outputs import StageOutput


def metadata_object(value: Any) -> Any:
    """Metadata may arrive as an object or as JSON text (multipart forms carry text)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError("metadata must be a JSON object") from exc
    if value is not None and not isinstance(value, dict):
        raise ValueError("metadata must be a JSON object")
    return value


class AssignTitleRequest(RequestBody):
    image_url: str | None = Field(None, validation_alias=AliasChoices("image_url", "imageUrl"))
    image_data: str | None = Field(None, validation_alias=AliasChoices("image_data", "imageData"))
    metadata: dict[str, Any] = Field(default_factory=dict)
    # A multipart upload's bytes, read by the route (samsar-js sends binaries that way).
    upload: SkipJsonSchema[bytes | None] = Field(None, exclude=True)

    @field_validator("metadata", mode="before")
    @classmethod
    def _metadata(cls, value: Any) -> Any:
        return metadata_object(value) or {}

    @field_validator("image_data")
    @classmethod
    def _data_url(cls, value: str | None) -> str | None:
        # Bare base64 is accepted too; the decoder checks it is really an image.
        if value and not value.startswith("data:"):
            return "data:application/octet-stream;base64," + value
        return value or None


class TitleJob(JobInput):
    input_key: str
    metadata: dict[str, Any] = {}


def _title(ctx: StageContext[TitleJob]) -> StageOutput:
    return title_image(ctx.env, ctx.job.input_key, ctx.job.metadata)


class AssignTitle(ImageStageKind[AssignTitleRequest, TitleJob], case_type="assign_title", id_prefix="img_title"):
    input_model = TitleJob
    only_stage = StageDef[TitleJob]("image_title", _title)

    def prepare(self, body: AssignTitleRequest, env: PrepareEnv) -> Prepared[TitleJob]:
        if body.upload is not None:
            stored = env.media.upload(body.upload, "image")
        else:
            url, field = (body.image_url, "image_url") if body.image_url else (body.image_data, "image_data")
            if not url:
                raise BadRequest("image_url, image_data or a multipart image is required.", field="image_url")
            stored = env.media.image(url, field)
        return Prepared(TitleJob(input_key=stored.key, metadata=body.metadata or {}))

    def price(self, job: TitleJob, prices: PriceTable) -> int:
        return prices.route("assign_title")


ASSIGN_TITLE = register(AssignTitle())
