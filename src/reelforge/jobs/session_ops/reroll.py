"""``reroll_layers``: a copy of a session with new pictures for chosen scene layers (1-based
``layer_indexes``), everything else kept; only those layers are encoded again.

Priced as the open-source Samsar processor prices a reroll: per layer, the session's image model's
price plus its video model's charge for the layer's seconds. :func:`credit_quote` is that price
itemised; ``quote_only`` / ``dry_run`` answer it without charging or enqueuing anything.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, StrictBool, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.video.kinds import TEXT_TO_VIDEO
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument
from reelforge.stages.outputs import SceneImagesOutput, StageOutput
from reelforge.stages.video_images import Picture, generate_pictures, scene_prompt

LAYERS_FIELD = "layer_indexes"
PROMPT_PREVIEW_CHARS = 160  # as the processor's quote shows a layer's prompt


class RerollLayers(SessionRef):
    layer_indexes: list[int] = Field(
        ..., validation_alias=aliases("layer_indexes", "layerIndexes", "layer_indices", "layerIndices", "layers")
    )
    # Answer the quote only: nothing is charged or enqueued (the processor's quote_only / dry_run).
    quote_only: StrictBool = Field(
        False, validation_alias=aliases("quote_only", "quoteOnly", "dry_run", "dryRun"), exclude=True
    )

    @field_validator("layer_indexes", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """A list, or a comma-separated string (``"1,3"``), as the processor reads it."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("layer_indexes")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("must include at least one layer index")
        if any(index < 1 for index in value):
            raise ValueError("must contain positive 1-based integers")
        return sorted(set(value))


class RerolledLayer(BaseModel):
    layer_index: int  # 1-based, as asked
    layer_id: str
    duration_s: float
    prompt: str
    title: str
    seed: int  # a new one: the same prompt, another picture


class RerollJob(SessionOpJob):
    layers: list[RerolledLayer]
    image_model: str
    video_model: str
    aspect_ratio: str


def _images(ctx: StageContext[RerollJob]) -> StageOutput:
    job = ctx.job
    doc = source_document(ctx.env.rt, job.source_session_ids[0])
    pictures = [
        Picture(layer.prompt, layer.title, layer.seed, f"reroll-{layer.layer_index}.png") for layer in job.layers
    ]
    canvas = (doc.canvas.width, doc.canvas.height)
    return generate_pictures(ctx.env, job.image_model, canvas, pictures, doc.language, doc.font_key)


def credit_quote(job: RerollJob, prices: PriceTable) -> dict[str, Any]:
    """The processor's ``creditQuote``: what the reroll charges, per layer and in total."""
    model = job.image_model
    image_credits = math.ceil(prices.image_model_price(model) * prices.image_model_multiplier(model))
    video_credits = [
        math.ceil(round(prices.video_model_charge(job.video_model, layer.duration_s), 6)) for layer in job.layers
    ]
    layers = []
    for layer, video in zip(job.layers, video_credits, strict=True):
        layers.append(
            {
                "layerIndex": layer.layer_index,
                "layerId": layer.layer_id,
                "durationSeconds": layer.duration_s,
                "imageCredits": image_credits,
                "aiVideoCredits": video,
                "totalCredits": image_credits + video,
                "promptPreview": layer.prompt.strip()[:PROMPT_PREVIEW_CHARS],
                "baseLayerType": "scene",
            }
        )
    total_images, total_video = image_credits * len(layers), sum(video_credits)
    return {
        "layerCount": len(layers),
        "layerIndexes": [layer.layer_index for layer in job.layers],
        "aspectRatio": job.aspect_ratio,
        "imageModel": job.image_model,
        "videoModel": job.video_model,
        "imageCreditsPerLayer": image_credits,
        "aiVideoCreditsPerSecond": prices.video_model_rate(job.video_model),  # None: priced per unit
        "durationSeconds": round(sum(layer.duration_s for layer in job.layers), 3),
        "imageCredits": total_images,
        "aiVideoCredits": total_video,
        "totalCredits": total_images + total_video,
        "layers": layers,
    }


class RerollLayersKind(SessionOp[RerollLayers, RerollJob], case_type="reroll_layers", id_prefix="vid_rr"):
    input_model = RerollJob
    before_render = [[StageDef[RerollJob]("image_generation", _images, queue="gpu")]]

    def prepare(self, body: RerollLayers, env: PrepareEnv) -> Prepared[RerollJob]:
        sources = self.sources(env, [body.session_id])
        known = lineage(sources)
        origin_row = requests.get(env.rt.db, known["origin_request_id"])
        if origin_row.case_type != TEXT_TO_VIDEO.case_type:
            raise BadRequest(
                f"{body.session_id}'s scenes show the pictures it was made from, not generated ones: only "
                "sessions of text_to_video (and copies of them) can be rerolled.",
                field="videoSessionId",
            )
        origin = TEXT_TO_VIDEO.load_input(origin_row)
        doc = source_document(env.rt, sources[0].id)
        job = RerollJob(
            **known,
            layers=[self._layer(doc, index, origin.prompt) for index in body.layer_indexes],
            image_model=origin.image_model,
            video_model=origin.video_model,
            aspect_ratio=doc.aspect_ratio,
        )
        quote = credit_quote(job, env.rt.prices)
        return Prepared(
            job,
            response_extra={
                "source_session_id": sources[0].id,
                "original_session_id": sources[0].id,
                "cloned_from_session_id": sources[0].id,
                "layer_indexes": quote["layerIndexes"],
                "layer_ids": [layer.layer_id for layer in job.layers],
                "creditQuote": quote,
            },
        )

    @staticmethod
    def _layer(doc: SessionDocument, index: int, video_prompt: str | None) -> RerolledLayer:
        if index > len(doc.layers):
            raise BadRequest(
                f"Layer index {index} is out of range: the session has {len(doc.layers)} layers.", field=LAYERS_FIELD
            )
        layer = doc.layers[index - 1]
        if layer.kind != "scene":
            raise BadRequest(f"Layer index {index} is the outro and cannot be rerolled.", field=LAYERS_FIELD)
        return RerolledLayer(
            layer_index=index,
            layer_id=layer.id,
            duration_s=round(layer.duration, 3),
            prompt=scene_prompt(video_prompt, layer.narration),
            title=layer.title,
            seed=secrets.randbelow(2**31),
        )

    def price(self, job: RerollJob, prices: PriceTable) -> int:
        total: int = credit_quote(job, prices)["totalCredits"]
        return total

    def quote(self, body: RerollLayers, env: PrepareEnv) -> dict[str, Any]:
        """What the reroll would charge, prepared exactly as the reroll itself (its ``creditQuote``)."""
        prepared = self.prepare(body, env)
        quote: dict[str, Any] = prepared.response_extra["creditQuote"]
        return {"session_id": body.session_id, "request_id": body.session_id, "creditQuote": quote}

    def transform(
        self, sources: Sequence[SessionDocument], job: RerollJob, ctx: StageContext[RerollJob]
    ) -> SessionDocument:
        pictures = ctx.output(SceneImagesOutput).scene_images
        clips = {layer.layer_id: key for layer, key in zip(job.layers, pictures, strict=True)}
        return transforms.replace_clips(sources[0], clips)


REROLL_LAYERS = register(RerollLayersKind())
