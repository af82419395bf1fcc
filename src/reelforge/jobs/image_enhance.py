"""``image_enhance``: upscale and denoise one image to 1k/2k/4k (priced per resolution)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from reelforge.core.pricing import PriceTable
from reelforge.imaging.enhance import nearest_aspect_ratio
from reelforge.jobs.base import ImageStageKind, JobInput, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.media import echo_url
from reelforge.stages.image_enhance import enhance_image
from reelforge.stages.outputs import StageOutput

Resolution = Literal["1k", "2k", "4k"]


class EnhanceRequest(RequestBody):
    image_url: str = Field(..., min_length=1, max_length=50_000_000, description="http(s) or data: URL")
    resolution: Resolution = "1k"

    @field_validator("resolution", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class EnhanceJob(JobInput):
    input_key: str
    resolution: Resolution
    image_url: str


def _enhance(ctx: StageContext[EnhanceJob]) -> StageOutput:
    return enhance_image(ctx.env, ctx.job.input_key, ctx.job.resolution)


ENHANCE = StageDef[EnhanceJob]("image_enhance", _enhance)


class ImageEnhance(ImageStageKind[EnhanceRequest, EnhanceJob], case_type="image_enhance", id_prefix="img_enh"):
    input_model = EnhanceJob
    only_stage = ENHANCE

    def prepare(self, body: EnhanceRequest, env: PrepareEnv) -> Prepared[EnhanceJob]:
        stored = env.media.image(body.image_url, "image_url")
        echoed = echo_url(body.image_url)
        return Prepared(
            EnhanceJob(input_key=stored.key, resolution=body.resolution, image_url=echoed),
            response_extra={
                "image_url": echoed,
                "resolution": body.resolution.upper(),
                "aspect_ratio": nearest_aspect_ratio(stored.width, stored.height),
            },
        )

    def price(self, job: EnhanceJob, prices: PriceTable) -> int:
        return prices.route("image_enhance", job.resolution)


IMAGE_ENHANCE = register(ImageEnhance())
