"""``logo_remove``: remove watermarks, logos and overlaid text from an image — or, with
``image_urls: [original, replacement]``, replace them with another logo (75 credits)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, NonNegativeInt

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import ImageStageKind, JobInput, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.media import echo_url
from reelforge.stages.image_branding import clean_branding
from reelforge.stages.outputs import StageOutput

MAX_REGIONS = 50

BoxTuple = tuple[int, int, int, int]


def _as_box(value: Any) -> Any:
    """Regions come as ``[x0, y0, x1, y1]`` or ``{x|left, y|top, width, height}`` (or
    ``{x0, y0, x1, y1}``), in pixels of the original image."""
    if not isinstance(value, dict):
        return value
    v = {str(k).lower(): item for k, item in value.items()}
    if {"x0", "y0", "x1", "y1"} <= v.keys():
        return [v["x0"], v["y0"], v["x1"], v["y1"]]
    x, y = v.get("x", v.get("left")), v.get("y", v.get("top"))
    w, h = v.get("width"), v.get("height")
    if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (x, y, w, h)):
        return [x, y, x + w, y + h]  # type: ignore[operator]
    raise ValueError("a region is [x0, y0, x1, y1] or {x, y, width, height} in pixels")


def _non_empty_box(box: BoxTuple) -> BoxTuple:
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError("a region needs x1 > x0 and y1 > y0")
    return box


Region = Annotated[
    tuple[NonNegativeInt, NonNegativeInt, NonNegativeInt, NonNegativeInt],
    BeforeValidator(_as_box),
    AfterValidator(_non_empty_box),
]


class RemoveBrandingRequest(RequestBody):
    image_url: str | None = Field(None, max_length=50_000_000, description="the image to clean (http(s) or data:)")
    image_urls: list[str] | None = Field(
        None, min_length=1, max_length=2, description="[original, replacement logo] (replaceBrandingFromImage)"
    )
    regions: list[Region] | None = Field(
        None, max_length=MAX_REGIONS, description="explicit pixel boxes to remove; detection runs when omitted"
    )

    def sources(self) -> tuple[tuple[str, str], tuple[str, str] | None]:
        """((original url, its field), (replacement url, its field) or None)."""
        if self.image_urls:
            original = (self.image_urls[0], "image_urls.0")
            return original, ((self.image_urls[1], "image_urls.1") if len(self.image_urls) > 1 else None)
        if not self.image_url:
            raise BadRequest("image_url is required (or image_urls: [original, replacement]).", field="image_url")
        return (self.image_url, "image_url"), None


class BrandingJob(JobInput):
    input_key: str
    image_url: str
    regions: list[BoxTuple] | None = None
    replacement_key: str | None = None


def _clean(ctx: StageContext[BrandingJob]) -> StageOutput:
    return clean_branding(ctx.env, ctx.job.input_key, ctx.job.regions, ctx.job.replacement_key)


class RemoveBranding(ImageStageKind[RemoveBrandingRequest, BrandingJob], case_type="logo_remove", id_prefix="img_rm"):
    input_model = BrandingJob
    only_stage = StageDef[BrandingJob]("image_remove_branding", _clean)

    def prepare(self, body: RemoveBrandingRequest, env: PrepareEnv) -> Prepared[BrandingJob]:
        (url, field), replacement = body.sources()
        original = env.media.image(url, field)
        for index, box in enumerate(body.regions or []):
            if box[0] >= original.width or box[1] >= original.height:
                raise BadRequest(
                    f"regions.{index} lies outside the {original.width}x{original.height} image.",
                    field=f"regions.{index}",
                )
        job = BrandingJob(input_key=original.key, image_url=echo_url(url), regions=body.regions or None)
        extra: dict[str, Any] = {"image_url": echo_url(url)}
        if replacement is not None:
            job.replacement_key = env.media.image(*replacement).key
            extra["image_urls"] = [echo_url(url), echo_url(replacement[0])]
        return Prepared(job, response_extra=extra)

    def price(self, job: BrandingJob, prices: PriceTable) -> int:
        return prices.route("logo_remove")


REMOVE_BRANDING = register(RemoveBranding())
