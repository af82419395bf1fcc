"""``text_to_image``: pictures from a prompt (the open-source processor's ``/image/text_to_image``),
served by the provider the ``image_model`` key resolves to — the offline illustrator unless the
operator configured a backend. Priced at the model's ``basePrice`` per image."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import ImageStageKind, Prepared, PrepareEnv, ServedInput, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.providers import registry
from reelforge.sessions.document import CANVAS_SIZES
from reelforge.stages.image_generate import generate_images
from reelforge.stages.outputs import StageOutput

MAX_SIDE = 2048


class TextToImageRequest(RequestBody):
    prompt: str = Field(..., min_length=1, max_length=4000)
    image_model: str = Field(
        registry.DEFAULT_IMAGE_MODEL, validation_alias=aliases("image_model", "imageModel", "model")
    )
    aspect_ratio: str | None = Field(None, validation_alias=aliases("aspect_ratio", "aspectRatio"))
    size: str | None = Field(None, pattern=r"^\d{2,4}x\d{2,4}$", description="WIDTHxHEIGHT, e.g. 1024x1024")
    num_images: int = Field(1, ge=1, le=4, validation_alias=aliases("num_images", "numImages", "n"))

    @field_validator("image_model", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    def dimensions(self) -> tuple[int, int]:
        if self.size:
            width, height = (int(v) for v in self.size.split("x"))
            if not (64 <= width <= MAX_SIDE and 64 <= height <= MAX_SIDE):
                raise BadRequest(f"size: each side must be 64-{MAX_SIDE} pixels.", field="size")
            return width, height
        if self.aspect_ratio is None:
            return 1024, 1024
        if self.aspect_ratio not in CANVAS_SIZES:
            raise BadRequest(f"aspect_ratio must be one of {sorted(CANVAS_SIZES)}.", field="aspect_ratio")
        return CANVAS_SIZES[self.aspect_ratio]


class TextToImageJob(ServedInput):
    prompt: str
    image_model: str
    width: int
    height: int
    num_images: int


def _generate(ctx: StageContext[TextToImageJob]) -> StageOutput:
    job = ctx.job
    return generate_images(ctx.env, job.prompt, job.image_model, (job.width, job.height), job.num_images)


class TextToImage(ImageStageKind[TextToImageRequest, TextToImageJob], case_type="text_to_image", id_prefix="img_gen"):
    input_model = TextToImageJob
    only_stage = StageDef[TextToImageJob]("image_generation", _generate, queue="gpu")

    def prepare(self, body: TextToImageRequest, env: PrepareEnv) -> Prepared[TextToImageJob]:
        if body.image_model not in registry.image_models(env.rt.settings):
            raise BadRequest(
                f"image_model {body.image_model!r} is not a known model key; see GET /v1/video/supported_models.",
                field="image_model",
            )
        width, height = body.dimensions()
        job = TextToImageJob(
            prompt=body.prompt,
            image_model=body.image_model,
            width=width,
            height=height,
            num_images=body.num_images,
            provider=registry.describe_image(env.rt.settings, body.image_model),
        )
        return Prepared(job, response_extra={"prompt": body.prompt, "image_model": body.image_model})

    def price(self, job: TextToImageJob, prices: PriceTable) -> int:
        return prices.image_model_price(job.image_model) * job.num_images


TEXT_TO_IMAGE = register(TextToImage())
