"""What every session operation shares: the source sessions (owned, completed, with a stored
timeline), their lineage (where the script and the narration were made), the render stage that
applies the operation's transform, and the price settled on the rendered duration."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from pydantic import Field

from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.core.principals import Owner
from reelforge.db.models import Request as RequestRow
from reelforge.jobs.base import JobInput, JobKind, Plan, PrepareEnv, StageContext, StageDef, flatten
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import kind as kind_of
from reelforge.runtime import Runtime
from reelforge.sessions.document import SessionDocument
from reelforge.sessions.store import latest_document
from reelforge.stages.outputs import StageOutput
from reelforge.stages.publish import publish_render

# Operations whose request made the narration it carries (the others re-use their source's).
NARRATING_CASE_TYPES = ("text_to_video", "image_list_to_video", "translate", "retranslate")


class SessionRef(RequestBody):
    session_id: str = Field(
        ...,
        min_length=1,
        max_length=100,
        validation_alias=aliases("videoSessionId", "video_session_id", "session_id", "sessionId", "request_id"),
    )


class SessionOpJob(JobInput):
    source_session_ids: list[str]
    origin_request_id: str  # the request that wrote the script
    speech_request_id: str  # the request whose narration the session carries
    source_duration: float


J = TypeVar("J", bound=SessionOpJob)
B = TypeVar("B", bound=RequestBody)


def completed_source(rt: Runtime, owner: Owner, session_id: str, field: str = "videoSessionId") -> RequestRow:
    """The caller's completed video session ``session_id`` (400/404 naming ``field`` otherwise)."""
    req = requests.get_owned(rt.db, owner, session_id, field=field)
    if req.type != "video":
        raise BadRequest(f"{session_id} is not a video session.", field=field)
    if req.status != "COMPLETED" or latest_document(rt, req.id) is None:
        raise BadRequest(
            f"Session {session_id} is {req.status.lower()}: only completed sessions can be changed.", field=field
        )
    return req


def source_document(rt: Runtime, session_id: str) -> SessionDocument:
    found = latest_document(rt, session_id)
    if found is None:
        raise ValueError(f"session {session_id} has no stored timeline")
    return found[0]


def lineage(sources: Sequence[RequestRow]) -> dict[str, Any]:
    """The fields of :class:`SessionOpJob` that follow from the source sessions."""
    first = sources[0]
    stored = kind_of(first.case_type).load_input(first)
    origin = stored.origin_request_id if isinstance(stored, SessionOpJob) else first.id
    if first.case_type in NARRATING_CASE_TYPES or not isinstance(stored, SessionOpJob):
        speech = first.id
    else:
        speech = stored.speech_request_id
    return {
        "source_session_ids": [s.id for s in sources],
        "origin_request_id": origin,
        "speech_request_id": speech,
        "source_duration": sum(float(s.result.get("duration", 0)) for s in sources),
    }


class SessionOp(JobKind[B, J]):
    """A session operation. Subclasses declare ``price_entry`` (or override :meth:`price`), the
    stages that compute what changes (``before_render``) and the pure :meth:`transform`."""

    media_type = "video"
    price_entry: ClassVar[str] = ""
    before_render: Sequence[Sequence[StageDef[J]]] = ()

    def __init__(self) -> None:
        self.render_stage = StageDef[J]("video_generation", self._render, queue="render")

    @abstractmethod
    def transform(self, sources: Sequence[SessionDocument], job: J, ctx: StageContext[J]) -> SessionDocument:
        """The new session document from the sources and this request's earlier stage outputs."""

    def plan(self, job: J) -> Plan[J]:
        return [*self.before_render, [self.render_stage]]

    def stage_defs(self) -> Sequence[StageDef[J]]:
        return [*flatten(self.before_render), self.render_stage]

    def price(self, job: J, prices: PriceTable) -> int:
        return prices.route(self.price_entry)

    def final_price(self, job: J, rendered_s: float, prices: PriceTable) -> int:
        return self.price(job, prices)

    def sources(self, env: PrepareEnv, session_ids: Sequence[str], field: str = "videoSessionId") -> list[RequestRow]:
        return [completed_source(env.rt, env.owner, sid, field=field) for sid in session_ids]

    def _render(self, ctx: StageContext[J]) -> StageOutput:
        docs = [source_document(ctx.env.rt, sid) for sid in ctx.job.source_session_ids]
        doc = self.transform(docs, ctx.job, ctx)
        prices = ctx.env.rt.prices
        return publish_render(ctx.env, doc, lambda seconds: self.final_price(ctx.job, seconds, prices))
