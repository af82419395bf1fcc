"""The media gateway's narratives (``/v2/external/narrative/*``): a singular script from a prompt
(``create_single``) and a binary tree of choices grown from a completed one (``create_branching``),
both written by the language-model provider (the configured endpoint, else offline SmolLM2) one
sentence per call (stages/narrative.py). Their ids are 24 hexadecimal characters: samsar-js
refuses any other narrative id in the calls that chain on one (branching, narrative to video).

Priced as the other language-model routes (prices.json ``llm``, multiplier ``narrative``: the
SDK's 1.5x of the inference spend): a hold for the most calls the request may make, settled to the
measured tokens."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import Field, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.core.principals import Owner
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.base import Prepared, PrepareEnv, ServedInput, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.providers.llm import CONFIGURED_PROVIDER, OFFLINE_PROVIDER, configured_model
from reelforge.runtime import Runtime
from reelforge.stages import narrative as writing
from reelforge.stages.outputs import Published, StageOutput

PRICE_ROUTE = "narrative"
# Generous per-call estimates for the hold (a retry doubles the calls of a line): settled to the measured.
_INPUT_TOKENS_PER_CALL = 160
VIDEO_MODELS = ("RUNWAYML", "VEO3.1I2V", "VEO3.1I2VFAST", "COSMOS3SUPERI2V", "SEEDANCEI2V", "KLINGIMGTOVID3PRO",
                "KLINGIMGTOVIDTURBO", "HAPPYHORSEI2V")
# samsar-js's inference model keys, canonical and aliases (any case, punctuation ignored).
INFERENCE_MODELS = {
    "GPT56": "gpt-5.6-sol", "GPT56SOL": "gpt-5.6-sol", "GEMINI31": "gemini-3.1-pro", "GEMINI31PRO": "gemini-3.1-pro",
    "GEMINI3PRO": "gemini-3.1-pro", "QWEN37": "QWEN3.7", "QWEN37MAX": "QWEN3.7", "QWEN37PLUS": "QWEN3.7",
}
DEFAULT_INFERENCE_MODEL = "gpt-5.6-sol"
MAX_LEVELS = 6


def narrative_id() -> str:
    """24 hex characters, the id form samsar-js accepts for narratives and sessions it chains on."""
    return secrets.token_hex(12)


def provider_of(rt: Runtime) -> str:
    return CONFIGURED_PROVIDER if configured_model(rt.settings) is not None else OFFLINE_PROVIDER


def _video_model(value: str | None) -> str | None:
    if value is not None and value not in VIDEO_MODELS:
        raise ValueError(f"must be one of: {', '.join(VIDEO_MODELS)}")
    return value


class NarrativeRequest(RequestBody):
    prompt: str = Field(..., min_length=1, max_length=4000)
    duration: float = Field(..., ge=10, le=240)
    inference_model: str | None = Field(None, validation_alias=aliases("inference_model", "inferenceModel"))
    video_model: str | None = Field(None, validation_alias=aliases("video_model", "videoModel"))

    @field_validator("inference_model")
    @classmethod
    def _inference_model(cls, value: str | None) -> str | None:
        if not value:
            return None
        token = "".join(ch for ch in value.upper() if ch.isalnum())
        if token not in INFERENCE_MODELS:
            raise ValueError("must be one of: GPT5.6, GEMINI3.1, QWEN3.7")
        return INFERENCE_MODELS[token]

    _check_video_model = field_validator("video_model")(_video_model)


class BranchingRequest(RequestBody):
    narrative_request_id: str = Field(
        ...,
        pattern=r"^[0-9a-fA-F]{24}$",
        validation_alias=aliases("narrative_request_id", "narrativeRequestId"),
    )
    num_levels: int = Field(..., ge=1, le=MAX_LEVELS, validation_alias=aliases("num_levels", "numLevels"))
    video_model: str | None = Field(None, validation_alias=aliases("video_model", "videoModel"))

    _check_video_model = field_validator("video_model")(_video_model)


class NarrativeJob(ServedInput):  # provider: also whose token prices the hold uses
    prompt: str
    duration: float
    inference_model: str  # as asked (echoed); who really wrote it is in the result's provider
    video_model: str
    # create_branching: the completed singular narrative it grows, and how deep.
    source_narrative_request_id: str | None = None
    num_levels: int | None = None
    source_scenes: list[dict[str, Any]] = []

    @property
    def branching(self) -> bool:
        return self.num_levels is not None


def planned_calls(job: NarrativeJob) -> int:
    """The most model calls the request makes (each line may be asked twice)."""
    if not job.branching:
        return 2 * writing.scene_count(job.duration)
    levels = job.num_levels or 1
    branch_points = (1 << levels) - 1
    children = 2 * branch_points
    first_rewrite = max(1, len(job.source_scenes) - writing.branch_scene_indices(len(job.source_scenes), 1)[0] - 1)
    return 2 * (2 * branch_points + children + 2 * (first_rewrite - 1))


def _price_hold(job: NarrativeJob, prices: PriceTable) -> int:
    calls = planned_calls(job)
    return prices.llm_credits(job.provider, calls * _INPUT_TOKENS_PER_CALL, calls * 48, PRICE_ROUTE)


def _write(ctx: StageContext[NarrativeJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    writer = writing.Writer(env)
    try:
        if job.branching:
            root = {"scenes": job.source_scenes, "sounds": []}
            tree = writing.branching_narrative(
                writer, job.prompt, root, job.num_levels or 1, lambda f: env.progress(f, "branches written")
            )
            body: dict[str, Any] = {"movieResourceList": tree, "branchingMeta": writing.branching_meta(tree)}
            narrative = tree
        else:
            narrative = writing.single_narrative(writer, job.prompt, job.duration)
            body = {"movieResourceList": narrative}
    except writing.NarrativeError as exc:
        raise ValueError(str(exc)) from exc
    usage = writer.usage
    credits = env.rt.prices.llm_credits(
        sorted(writer.providers)[0], usage.input_tokens, usage.output_tokens, PRICE_ROUTE
    )
    n_scenes = len(job.source_scenes) if job.branching else len(narrative["scenes"])
    return Published(
        result={
            **body,
            "narrativeJson": narrative,
            "themeJson": writing.theme(job.prompt, job.duration, n_scenes),
            "written_by": writer.provenance(),
            "usage": {"inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens,
                      "cachedInputTokens": 0, "reasoningTokens": 0},
        },
        final_price=credits,
    )


NARRATIVE_STAGE = StageDef[NarrativeJob]("narrative_generation", _write)


class _NarrativeKind(SingleStageKind[Any, NarrativeJob], media_type="image"):
    # The requests table has image and video lists; a narrative belongs to neither, as a chat.
    input_model = NarrativeJob
    only_stage = NARRATIVE_STAGE

    def price(self, job: NarrativeJob, prices: PriceTable) -> int:
        return _price_hold(job, prices)


class SingleNarrative(_NarrativeKind, case_type="narrative_single", id_prefix="narr"):
    def prepare(self, body: NarrativeRequest, env: PrepareEnv) -> Prepared[NarrativeJob]:
        job = NarrativeJob(
            prompt=body.prompt,
            duration=body.duration,
            inference_model=body.inference_model or DEFAULT_INFERENCE_MODEL,
            video_model=body.video_model or "RUNWAYML",
            provider=provider_of(env.rt),
        )
        return Prepared(job, request_id=narrative_id())


def completed_narrative(rt: Runtime, owner: Owner, request_id: str, field: str) -> RequestRow:
    """The caller's completed narrative ``request_id`` (400/404 naming ``field`` otherwise)."""
    req = requests.get_owned(rt.db, owner, request_id, field=field)
    if req.case_type not in (SINGLE_NARRATIVE.case_type, BRANCHING_NARRATIVE.case_type):
        raise BadRequest(f"{request_id} is not a narrative request.", field=field)
    if req.status != "COMPLETED":
        raise BadRequest(f"Narrative {request_id} is {req.status.lower()}: it must be completed.", field=field)
    return req


class BranchingNarrative(_NarrativeKind, case_type="narrative_branching", id_prefix="narr"):
    def prepare(self, body: BranchingRequest, env: PrepareEnv) -> Prepared[NarrativeJob]:
        field = "narrative_request_id"
        source = completed_narrative(env.rt, env.owner, body.narrative_request_id, field)
        if source.case_type != SINGLE_NARRATIVE.case_type:
            raise BadRequest("Branching grows a singular narrative (create_single), not a branched one.", field=field)
        stored = SINGLE_NARRATIVE.load_input(source)
        if body.video_model and body.video_model != stored.video_model:
            raise BadRequest(
                f"video_model must match the source narrative's ({stored.video_model}).", field="video_model"
            )
        job = stored.model_copy(
            update={
                "source_narrative_request_id": source.id,
                "num_levels": body.num_levels,
                "source_scenes": source.result["movieResourceList"]["scenes"],
                "provider": provider_of(env.rt),
            }
        )
        return Prepared(job, request_id=narrative_id())


SINGLE_NARRATIVE = register(SingleNarrative())
BRANCHING_NARRATIVE = register(BranchingNarrative())
