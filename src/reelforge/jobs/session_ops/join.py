"""``join``: completed sessions joined in order into one (2 credits per second of the joined
duration); with ``blend_scenes`` each outro fades into the next session and music beds overlap."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, StrictBool, field_validator

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, lineage, source_document
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument


class Join(RequestBody):
    session_ids: list[str] = Field(
        ..., min_length=2, max_length=20, validation_alias=aliases("session_ids", "sessionIds")
    )
    blend_scenes: StrictBool = False

    @field_validator("session_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("session_ids must be unique")
        return value


class JoinJob(SessionOpJob):
    joined_seconds: float
    blend_scenes: bool = False


class JoinVideos(SessionOp[Join, JoinJob], case_type="join", id_prefix="vid_join"):
    input_model = JoinJob

    def prepare(self, body: Join, env: PrepareEnv) -> Prepared[JoinJob]:
        sources = self.sources(env, body.session_ids, field="session_ids")
        docs = [source_document(env.rt, s.id) for s in sources]
        first = docs[0].canvas
        for doc in docs[1:]:
            if (doc.canvas.width, doc.canvas.height, doc.canvas.fps) != (first.width, first.height, first.fps):
                raise BadRequest(
                    "All sessions must share aspect_ratio and framesPerSecond to be joined.", field="session_ids"
                )
        return Prepared(
            JoinJob(
                **lineage(sources),
                joined_seconds=sum(doc.duration for doc in docs),
                blend_scenes=body.blend_scenes,
            )
        )

    def price(self, job: JoinJob, prices: PriceTable) -> int:
        return prices.per_second("join_videos", job.joined_seconds)

    def final_price(self, job: JoinJob, rendered_s: float, prices: PriceTable) -> int:
        return prices.per_second("join_videos", rendered_s)

    def transform(
        self, sources: Sequence[SessionDocument], job: JoinJob, ctx: StageContext[JoinJob]
    ) -> SessionDocument:
        return transforms.join(sources, blend_scenes=job.blend_scenes)


JOIN_VIDEOS = register(JoinVideos())
