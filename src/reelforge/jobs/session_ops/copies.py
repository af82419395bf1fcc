"""Operations whose only input is the source session: ``clone`` (a fresh render, free),
``remove_subtitles`` (free) and ``add_subtitles`` (cues timed to the session's narration)."""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument, TextItem
from reelforge.stages.outputs import SpeechOutput, StageOutput, TranscriptOutput
from reelforge.stages.video_subtitles import transcribe


class _SourceOnly(SessionOp[SessionRef, SessionOpJob]):
    input_model = SessionOpJob

    def prepare(self, body: SessionRef, env: PrepareEnv) -> Prepared[SessionOpJob]:
        return Prepared(SessionOpJob(**lineage(self.sources(env, [body.session_id]))))


class Clone(_SourceOnly, case_type="clone", id_prefix="vid_clone"):
    price_entry = "clone_video"

    def transform(
        self, sources: Sequence[SessionDocument], job: SessionOpJob, ctx: StageContext[SessionOpJob]
    ) -> SessionDocument:
        return sources[0]


class RemoveSubtitles(_SourceOnly, case_type="remove_subtitles", id_prefix="vid_nosub"):
    price_entry = "remove_subtitles"

    def transform(
        self, sources: Sequence[SessionDocument], job: SessionOpJob, ctx: StageContext[SessionOpJob]
    ) -> SessionDocument:
        return transforms.remove_subtitles(sources[0])


def _cues(ctx: StageContext[SessionOpJob]) -> StageOutput:
    speech = ctx.env.earlier_output(ctx.job.speech_request_id, SpeechOutput)
    return transcribe(speech, source_document(ctx.env.rt, ctx.job.source_session_ids[0]).language)


def subtitled(doc: SessionDocument, cues: TranscriptOutput) -> SessionDocument:
    """``doc`` with each scene's cues (scene i gets the cues of narration i)."""
    by_layer = {
        layer.id: [TextItem(text=c.text, start=c.start, end=c.end) for c in cues.cues[i]]
        for i, layer in enumerate(doc.scenes)
        if i < len(cues.cues)
    }
    return transforms.set_subtitles(doc, by_layer)


class AddSubtitles(_SourceOnly, case_type="add_subtitles", id_prefix="vid_sub"):
    price_entry = "add_subtitles"
    before_render = [[StageDef[SessionOpJob]("transcript_generation", _cues)]]

    def transform(
        self, sources: Sequence[SessionDocument], job: SessionOpJob, ctx: StageContext[SessionOpJob]
    ) -> SessionDocument:
        return subtitled(sources[0], ctx.output(TranscriptOutput))


CLONE = register(Clone())
REMOVE_SUBTITLES = register(RemoveSubtitles())
ADD_SUBTITLES = register(AddSubtitles())
