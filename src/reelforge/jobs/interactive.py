"""``/v2/text_to_interactive_video``: a branching narrative written by the language model and
rendered as connected clips, one per node of the tree, by the text-to-video stages
(stages/interactive.py). The root's clip is the session's video (status, detailed status and the
session operations see it); the result's ``interactive`` block is the publication manifest: the
choice points with the second each one appears at, and every path from the root to a leaf as its
clips in order. ``/v2/text_to_interactive_video/session`` reserves a 24-hex id for the next such
request (nothing is stored or charged until it is used).

Priced as its parts: the narrative's measured tokens plus the video model's rate for every second
of every clip (held for the estimate, settled to what was rendered)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput, JobKind, Plan, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.narrative import (
    DEFAULT_INFERENCE_MODEL,
    MAX_LEVELS,
    PRICE_ROUTE,
    NarrativeRequest,
    narrative_id,
    provider_of,
)
from reelforge.jobs.video.job import VideoJob, video_price
from reelforge.jobs.video.kinds import TEXT_TO_VIDEO
from reelforge.jobs.video.options import TextToVideoRequest
from reelforge.stages import narrative as writing
from reelforge.stages.interactive import node_document, render_clip
from reelforge.stages.outputs import StageOutput
from reelforge.stages.publish import publish_render

IMAGE_MODELS = ("GPTIMAGE2", "NANOBANANA2", "NANOBANANAPRO", "SEEDREAM", "WAN2.7PRO")
SESSION_ALIASES = ("session_id", "sessionId", "sessionID", "request_id", "requestId", "requestID")


class InteractiveRequest(NarrativeRequest):
    image_model: str = Field(..., validation_alias=aliases("image_model", "imageModel"))
    video_model: str = Field(..., validation_alias=aliases("video_model", "videoModel"))
    num_levels: int = Field(..., ge=1, le=MAX_LEVELS, validation_alias=aliases("num_levels", "numLevels"))
    session_id: str | None = Field(None, pattern=r"^[0-9a-fA-F]{24}$", validation_alias=aliases(*SESSION_ALIASES))
    aspect_ratio: Literal["16:9", "9:16"] = Field("16:9", validation_alias=aliases("aspect_ratio", "aspectRatio"))
    enable_subtitles: bool = Field(False, validation_alias=aliases("enable_subtitles", "enableSubtitles"))

    @field_validator("image_model")
    @classmethod
    def _image_model(cls, value: str) -> str:
        if value not in IMAGE_MODELS:
            raise ValueError(f"must be one of: {', '.join(IMAGE_MODELS)}")
        return value


class InteractiveJob(JobInput):
    prompt: str
    duration: float
    num_levels: int
    inference_model: str
    provider: str
    video: VideoJob


class NarrativeOutput(StageOutput):
    STAGE: ClassVar[str] = "narrative_generation"
    tree: dict[str, Any]
    written_by: dict[str, Any]
    credits: int


def _narrative(ctx: StageContext[InteractiveJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    writer = writing.Writer(env)
    root = writing.single_narrative(writer, job.prompt, job.duration)
    tree = writing.branching_narrative(writer, job.prompt, root, job.num_levels)
    usage = writer.usage
    credits = env.rt.prices.llm_credits(
        sorted(writer.providers)[0], usage.input_tokens, usage.output_tokens, PRICE_ROUTE
    )
    return NarrativeOutput(tree=tree, written_by=writer.provenance(), credits=credits)


def node_lines(node: dict[str, Any], first_divergence: int) -> list[str]:
    """The scenes a node's own clip says: the root's up to the first choice, a child's after its divergence."""
    scenes = [str(s["narration"]) for s in node["scenes"]]
    if node["divergence"] is None:
        return scenes[: first_divergence + 1]
    return scenes[int(node["divergence"]["divergenceSceneIndex"]) + 1 :]


def manifest(tree: dict[str, Any], clips: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The publication metadata: choice points timed on the media, and each root-to-leaf path's clips."""
    nodes = {n["nodeId"]: n for n in tree["nodes"]}

    def path_to(node_id: str) -> list[str]:
        path = [node_id]
        while nodes[path[0]]["parentNodeId"] is not None:
            path.insert(0, nodes[path[0]]["parentNodeId"])
        return path

    def leaves_under(node_id: str) -> list[str]:
        children = nodes[node_id]["childNodeIds"]
        return [node_id] if not children else [leaf for c in children for leaf in leaves_under(c)]

    choice_points = []
    for point in tree["branchPoints"]:
        parent = point["parentNodeId"]
        ends_at = sum(clips[n]["duration"] for n in path_to(parent))
        choice_points.append({
            "branch_point_id": point["branchPointId"], "parent_node_id": parent, "level": point["level"],
            "divergence_scene_index": point["divergenceSceneIndex"], "switch_at_seconds": round(ends_at, 3),
            "options": [{
                "child_node_id": p["childNodeId"], "branch_ordinal": i + 1, "path_name": p["path_name"],
                "path_description": p["path_description"], "leaf_path_ids": leaves_under(p["childNodeId"]),
            } for i, p in enumerate(point["divergencePaths"])],
        })
    leaves = leaves_under("root")
    paths = [{
        "path_id": leaf, "leaf_node_id": leaf, "ordinal": i + 1, "is_default": i == 0,
        "node_ids": path_to(leaf), "segments": [clips[n]["url"] for n in path_to(leaf)],
        "encodingFormat": "video/mp4", "duration": round(sum(clips[n]["duration"] for n in path_to(leaf)), 3),
    } for i, leaf in enumerate(leaves)]
    return {
        "schema": "interactive_video_manifest.v1",
        "default_path_id": leaves[0],
        "timing": {"origin": "media", "unit": "seconds"},
        "tree": {"root_node_id": "root", "choice_points": choice_points},
        "outputs": {"paths": paths, "clips": clips},
    }


def _render(ctx: StageContext[InteractiveJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    narrative = ctx.output(NarrativeOutput)
    tree = narrative.tree
    first = int(tree["branchSceneIndices"][0])
    clips: dict[str, dict[str, Any]] = {}
    for i, node in enumerate(tree["nodes"][1:]):  # the root last: it is the session's own render
        doc = node_document(env, job.video, node["nodeId"], node_lines(node, first))
        clips[node["nodeId"]] = render_clip(env, node["nodeId"], doc)
        env.progress((i + 1) / len(tree["nodes"]), "clips rendered")
    others = sum(c["duration"] for c in clips.values())
    root_doc = node_document(env, job.video, "root", node_lines(tree["nodes"][0], first))
    prices = env.rt.prices
    published = publish_render(
        env, root_doc, lambda seconds: video_price(prices, job.video, seconds + others) + narrative.credits
    )
    clips["root"] = {"url": published.result["result_url"], "duration": published.result["duration"]}
    clips = {n["nodeId"]: clips[n["nodeId"]] for n in tree["nodes"]}
    published.result.update(
        narrative_type="branched",
        interactive=manifest(tree, clips),
        movieResourceList=tree,
        branchingMeta=writing.branching_meta(tree),
        written_by=narrative.written_by,
    )
    return published


NARRATIVE = StageDef[InteractiveJob]("narrative_generation", _narrative)
RENDER = StageDef[InteractiveJob]("video_generation", _render, queue="render")


class TextToInteractiveVideo(
    JobKind[InteractiveRequest, InteractiveJob], case_type="text_to_interactive_video", media_type="video",
    id_prefix="vid_inter",
):
    input_model = InteractiveJob

    def plan(self, job: InteractiveJob) -> Plan[InteractiveJob]:
        return [[NARRATIVE], [RENDER]]

    def stage_defs(self) -> list[StageDef[InteractiveJob]]:
        return [NARRATIVE, RENDER]

    def price(self, job: InteractiveJob, prices: PriceTable) -> int:
        nodes = (2 << job.num_levels) - 1
        seconds = nodes * writing.SCENE_SECONDS * 2 + job.duration  # a generous hold: settled to the rendered
        calls = 2 * (writing.scene_count(job.duration) + 3 * nodes)
        return video_price(prices, job.video, seconds) + prices.llm_credits(
            job.provider, calls * 160, calls * 48, PRICE_ROUTE
        )

    def provider(self, job: InteractiveJob) -> str:
        return job.video.providers.get("ai_video_generation", job.video.video_model)

    def prepare(self, body: InteractiveRequest, env: PrepareEnv) -> Prepared[InteractiveJob]:
        request_id = narrative_id()
        if body.session_id:  # a draft reserved by /v2/text_to_interactive_video/session: used once
            try:
                requests.get(env.rt.db, body.session_id)
            except NotFound:
                request_id = body.session_id.lower()
            else:
                raise BadRequest(f"session_id {body.session_id} is already used.", field="session_id")
        video_body = TextToVideoRequest.model_validate({
            "prompt": body.prompt[:1000], "duration": body.duration, "image_model": body.image_model,
            "video_model": body.video_model, "aspect_ratio": body.aspect_ratio,
            "enable_subtitles": body.enable_subtitles, "language": "en",
        })
        video = TEXT_TO_VIDEO.prepare(video_body, env).job
        job = InteractiveJob(
            prompt=body.prompt, duration=body.duration, num_levels=body.num_levels,
            inference_model=body.inference_model or DEFAULT_INFERENCE_MODEL, provider=provider_of(env.rt), video=video,
        )
        extra = {"narrative_type": "branched", "interactive_video_request_id": request_id,
                 "workflow_status": "PENDING", "workflow_stage": "SINGULAR_NARRATIVE",
                 "status_url": f"/v2/status?request_id={request_id}"}
        return Prepared(job, response_extra=extra, request_id=request_id)


TEXT_TO_INTERACTIVE_VIDEO = register(TextToInteractiveVideo())
