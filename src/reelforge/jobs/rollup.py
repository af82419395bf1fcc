"""Roll-up banners: ``rollup_banner`` tiles the images into a print banner with overlays (30
credits); ``rollup_banner_enhance`` first upscales the tiles below the print minimum (their
enhance prices + 30). Every image is fetched and stored before the charge, and the stored request
names them by blob key, so rendering never goes back to the network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, model_validator

from reelforge.core.errors import BadRequest
from reelforge.core.ids import new_id
from reelforge.core.pricing import PriceTable
from reelforge.imaging.rollup import (
    MAX_TILES_LIMIT,
    REFERENCE_TILE,
    RollupBannerRequest,
    RollupItem,
    enhance_resolution_for,
)
from reelforge.jobs.base import (
    JobInput,
    JobKind,
    Plan,
    Prepared,
    PrepareEnv,
    StageContext,
    StageDef,
    StoredImage,
    flatten,
)
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.media import echo_url
from reelforge.stages.image_rollup import enhance_tiles, render_banner
from reelforge.stages.outputs import EnhancedTilesOutput, StageOutput


class RollupRequest(RequestBody, RollupBannerRequest):
    tile_width: int | None = Field(
        None,
        ge=64,
        le=REFERENCE_TILE[0],
        description="reelforge extension: render tiles this wide for a preview (default: the 2020 px print size)",
    )

    @model_validator(mode="after")
    def _needs_tiles(self) -> RollupRequest:
        # Replaces the library's whole-model check: the route reports it on the list's field.
        # Every listed image is fetched before the charge: no more than the banner can show.
        if len(self.items) > MAX_TILES_LIMIT:
            raise ValueError(f"{self.list_field}: at most {MAX_TILES_LIMIT} images")
        return self

    @property
    def list_field(self) -> str:
        """The tile list's field as sent: the first non-empty one, else the first one sent."""
        names = ("image_list", "images", "image_urls")
        sent = [name for name in names if getattr(self, name) is not None]
        return next((name for name in sent if getattr(self, name)), sent[0] if sent else "image_list")


class TileUpscale(BaseModel):
    input_key: str
    output_key: str
    resolution: str


class RollupJob(JobInput):
    request: RollupBannerRequest  # every image named by its blob key
    tile_width: int | None = None
    enhance: list[TileUpscale] = []
    input_image_urls: list[str] | None = None  # the enhance variant reports the tiles it used


class _FetchedImages:
    """Every image of a roll-up request fetched once; URLs mapped to stored images."""

    def __init__(self, env: PrepareEnv, body: RollupRequest) -> None:
        if not body.items:
            raise BadRequest(
                "image_list must be a non-empty array (or send images / image_urls).", field=body.list_field
            )
        self.stored: dict[str, StoredImage] = {}  # url -> stored image
        self.tile_urls: list[str] = []  # distinct tile URLs, first-use order
        for index, item in enumerate(body.items):
            field = f"{body.list_field}.{index}.{'enhanced_url' if item.enhanced_url else 'image_url'}"
            self._fetch(env, item.source_url, field)
            if item.source_url not in self.tile_urls:
                self.tile_urls.append(item.source_url)
        for url, field in ((body.header_image_url, "header_image_url"), (body.footer_image_url, "footer_image_url")):
            if url:
                self._fetch(env, url, field)

    def _fetch(self, env: PrepareEnv, url: str, field: str) -> None:
        if url not in self.stored:
            self.stored[url] = env.media.image(url, field)

    def key(self, url: str | None) -> str | None:
        return self.stored[url].key if url else None

    def stored_request(self, body: RollupRequest) -> RollupBannerRequest:
        """The request as the render stage reads it: every image named by its blob key."""

        def item(entry: RollupItem) -> dict[str, Any]:
            dumped = entry.model_dump(mode="json", exclude_none=True, exclude={"enhanced_url"})
            return {**dumped, "image_url": self.key(entry.source_url)}

        return RollupBannerRequest.model_validate(
            {
                "image_list": [item(entry) for entry in body.items],
                "header_image_url": self.key(body.header_image_url),
                "footer_image_url": self.key(body.footer_image_url),
                "columns": body.columns,
                "max_tiles": body.max_tiles,
                "image_tiling_position": (
                    body.image_tiling_position.model_dump(mode="json") if body.image_tiling_position else None
                ),
            }
        )


def _enhance_tiles(ctx: StageContext[RollupJob]) -> StageOutput:
    return enhance_tiles(ctx.env, [(t.input_key, t.output_key, t.resolution) for t in ctx.job.enhance])


def _render(ctx: StageContext[RollupJob]) -> StageOutput:
    enhanced = ctx.maybe_output(EnhancedTilesOutput)
    job = ctx.job
    extra = {"input_image_urls": job.input_image_urls} if job.input_image_urls is not None else {}
    return render_banner(
        ctx.env, job.request, job.tile_width or REFERENCE_TILE[0], enhanced.enhanced if enhanced else {}, extra
    )


ENHANCE_TILES = StageDef[RollupJob]("rollup_enhance_tiles", _enhance_tiles)
RENDER = StageDef[RollupJob]("rollup_render", _render)


class RollupBanner(
    JobKind[RollupRequest, RollupJob], case_type="rollup_banner", media_type="image", id_prefix="rollup"
):
    input_model = RollupJob

    def prepare(self, body: RollupRequest, env: PrepareEnv) -> Prepared[RollupJob]:
        fetched = _FetchedImages(env, body)
        return Prepared(RollupJob(request=fetched.stored_request(body), tile_width=body.tile_width))

    def plan(self, job: RollupJob) -> Plan[RollupJob]:
        return [[RENDER]]

    def stage_defs(self) -> Sequence[StageDef[RollupJob]]:
        return [RENDER]

    def price(self, job: RollupJob, prices: PriceTable) -> int:
        return prices.route("rollup_banner") + sum(prices.route("image_enhance", t.resolution) for t in job.enhance)


class RollupBannerWithEnhance(RollupBanner, case_type="rollup_banner_enhance", id_prefix="rollup_enh"):

    def prepare(self, body: RollupRequest, env: PrepareEnv) -> Prepared[RollupJob]:
        fetched = _FetchedImages(env, body)
        request_id = new_id(self.id_prefix)  # the enhanced tiles are named by it
        upscales: list[TileUpscale] = []
        input_image_urls: list[str] = []
        for index, url in enumerate(fetched.tile_urls):
            stored = fetched.stored[url]
            resolution = enhance_resolution_for(stored.size)
            if resolution is None:
                input_image_urls.append(echo_url(url))
                continue
            output_key = f"images/{request_id}-tile-{index + 1}.png"
            upscales.append(TileUpscale(input_key=stored.key, output_key=output_key, resolution=resolution))
            input_image_urls.append(env.rt.blobs.url(output_key))
        job = RollupJob(
            request=fetched.stored_request(body),
            tile_width=body.tile_width,
            enhance=upscales,
            input_image_urls=input_image_urls,
        )
        extra = {
            "rollup_session_id": request_id,
            "rollup_request_id": request_id,
            "input_image_urls": input_image_urls,
            "enhanced_tiles": len(upscales),
        }
        return Prepared(job, response_extra=extra, request_id=request_id)

    def plan(self, job: RollupJob) -> Plan[RollupJob]:
        return [[ENHANCE_TILES], [RENDER]]

    def stage_defs(self) -> Sequence[StageDef[RollupJob]]:
        return flatten([[ENHANCE_TILES], [RENDER]])


ROLLUP_BANNER = register(RollupBanner())
ROLLUP_BANNER_WITH_ENHANCE = register(RollupBannerWithEnhance())
