"""``image_list_to_image_set``: distinct variants of a set of images (75 credits per image)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from reelforge.core.pricing import PriceTable
from reelforge.imaging.image_set import MAX_IMAGES, ImageSetOptions
from reelforge.jobs.base import ImageStageKind, JobInput, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.media import echo_url
from reelforge.stages.image_sets import image_set
from reelforge.stages.outputs import StageOutput


class ImageSetRequest(RequestBody, ImageSetOptions):
    """``image_urls`` (required), ``num_images`` (default len(image_urls)), ``prompt``,
    ``metadata``, ``aspect_ratio``."""

    # Every URL is fetched before the charge: bound the list so one request cannot order thousands.
    image_urls: list[str] = Field(min_length=1, max_length=MAX_IMAGES)


class ImageSetJob(JobInput):
    input_keys: list[str]
    image_urls: list[str]
    num_images: int
    prompt: str | None = None
    metadata: dict[str, Any] = {}
    aspect_ratio: str | None = None


def _image_set(ctx: StageContext[ImageSetJob]) -> StageOutput:
    job = ctx.job
    return image_set(ctx.env, job.input_keys, job.num_images, job.prompt, job.metadata, job.aspect_ratio)


class ImageSet(ImageStageKind[ImageSetRequest, ImageSetJob], case_type="image_list_to_image_set", id_prefix="img_set"):
    input_model = ImageSetJob
    only_stage = StageDef[ImageSetJob]("image_set", _image_set)

    def prepare(self, body: ImageSetRequest, env: PrepareEnv) -> Prepared[ImageSetJob]:
        keys = [env.media.image(url, f"image_urls.{i}").key for i, url in enumerate(body.image_urls)]
        echoed = [echo_url(url) for url in body.image_urls]
        job = ImageSetJob(
            input_keys=keys,
            image_urls=echoed,
            num_images=body.requested_images,
            prompt=body.prompt,
            metadata=body.metadata or {},
            aspect_ratio=body.aspect_ratio,
        )
        extra = {
            "image_urls": echoed,
            "metadata": body.metadata,
            "prompt": body.prompt,
            "num_images": body.requested_images,
            **({"aspect_ratio": body.aspect_ratio} if body.aspect_ratio else {}),
        }
        return Prepared(job, response_extra=extra)

    def price(self, job: ImageSetJob, prices: PriceTable) -> int:
        return prices.route("image_list_to_image_set", "per_image") * job.num_images


IMAGE_SET = register(ImageSet())
