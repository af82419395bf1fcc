"""``/v2/external/video/narrative_to_video``: a completed narrative rendered as a video by the
text-to-video kind's own plan and stages — the script stage says the narrative's scenes as written
instead of writing new ones (``VideoJob.given_scenes``); prompt and duration are the narrative's.

A branched narrative renders one path: ``node_id`` (default: the root's story)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from reelforge.core.errors import BadRequest
from reelforge.core.principals import Owner
from reelforge.jobs.base import Prepared, PrepareEnv
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.narrative import BRANCHING_NARRATIVE, SINGLE_NARRATIVE, completed_narrative
from reelforge.jobs.video.job import GivenScene, VideoJob
from reelforge.jobs.video.kinds import TextToVideo
from reelforge.jobs.video.options import TextToVideoRequest
from reelforge.runtime import Runtime

ID_FIELD = "narrative_request_id"


class NarrativeToVideoRequest(TextToVideoRequest):
    narrative_request_id: str = Field(
        ...,
        pattern=r"^[0-9a-fA-F]{24}$",
        validation_alias=aliases(
            "narrative_request_id", "narrativeRequestId", "session_id", "sessionId", "request_id", "requestId"
        ),
    )
    node_id: str = Field("root", max_length=200, validation_alias=aliases("node_id", "nodeId"))
    # Inherited from the narrative (samsar-js refuses to send them); a value sent here is ignored.
    prompt: str = ""
    duration: float = 30
    video_model: str | None = Field(None, validation_alias=aliases("video_model", "videoModel"))  # type: ignore[assignment]


def narrative_scenes(rt: Runtime, owner: Owner, request_id: str, node_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """The completed narrative's stored input and the scenes of ``node_id``'s path (400 naming the field)."""
    source = completed_narrative(rt, owner, request_id, ID_FIELD)
    if source.case_type == SINGLE_NARRATIVE.case_type:
        return SINGLE_NARRATIVE.load_input(source), list(source.result["movieResourceList"]["scenes"])
    nodes = {n["nodeId"]: n for n in source.result["movieResourceList"]["nodes"]}
    if node_id not in nodes:
        raise BadRequest(f"node_id {node_id!r} is not a node of narrative {request_id}.", field="node_id")
    return BRANCHING_NARRATIVE.load_input(source), list(nodes[node_id]["scenes"])


def given(scenes: list[dict[str, Any]]) -> list[GivenScene]:
    return [GivenScene(narration=str(s["narration"]), title="") for s in scenes]


class NarrativeToVideo(TextToVideo, case_type="narrative_to_video", id_prefix="vid_narr"):
    def prepare(self, body: TextToVideoRequest, env: PrepareEnv) -> Prepared[VideoJob]:
        assert isinstance(body, NarrativeToVideoRequest)
        stored, scenes = narrative_scenes(env.rt, env.owner, body.narrative_request_id, body.node_id)
        if body.video_model and body.video_model != stored.video_model:
            raise BadRequest(
                f"video_model must match the narrative's ({stored.video_model}).", field="video_model"
            )
        fields = body.model_dump(exclude={"narrative_request_id", "node_id"})
        inherited = TextToVideoRequest.model_validate(
            {**fields, "prompt": stored.prompt[:1000], "duration": stored.duration, "video_model": stored.video_model}
        )
        prepared = super().prepare(inherited, env)
        prepared.job.given_scenes = given(scenes)
        prepared.response_extra["source_narrative_request_id"] = body.narrative_request_id
        return prepared


NARRATIVE_TO_VIDEO = register(NarrativeToVideo())
