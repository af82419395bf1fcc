"""``update_footer_image``: a copy of a session with a new footer CTA on every scene, or without
footers (free)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, StrictBool, model_validator

from reelforge.jobs.base import Plan, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.video.job import Footer
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument
from reelforge.stages.outputs import CardsOutput, StageOutput
from reelforge.stages.video_cards import footer_card


class FooterUpdate(SessionRef):
    cta_text: str | None = Field(None, max_length=120, validation_alias=aliases("cta_text", "ctaText"))
    cta_url: str | None = Field(None, validation_alias=aliases("cta_url", "ctaUrl"))
    cta_logo: str | None = Field(None, validation_alias=aliases("cta_logo", "ctaLogo"))
    remove_footer: StrictBool = Field(False, validation_alias=aliases("remove_footer", "removeFooter"))

    @model_validator(mode="after")
    def _need_something(self) -> FooterUpdate:
        if self.cta_url and not self.cta_url.startswith(("http://", "https://")):
            raise ValueError("cta_url must be an http(s) URL")
        if not self.remove_footer and not self.cta_url:
            raise ValueError("cta_url: give cta_url (with cta_text / cta_logo), or remove_footer: true")
        return self


class FooterJob(SessionOpJob):
    footer: Footer | None = None  # None: remove the footers
    cta_logo_key: str | None = None


def _footer_card(ctx: StageContext[FooterJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    assert job.footer is not None  # planned only when there is a footer to draw
    doc = source_document(env.rt, job.source_session_ids[0])
    canvas = (doc.canvas.width, doc.canvas.height)
    path = footer_card(env, canvas, job.footer, doc.font_key, doc.language, "footer", logo_key=job.cta_logo_key)
    return CardsOutput(footer_key=env.rt.blobs.put_file(env.session_file("footer.png"), path))


FOOTER_CARD = StageDef[FooterJob]("frame_generation", _footer_card)


class UpdateFooterImage(SessionOp[FooterUpdate, FooterJob], case_type="update_footer_image", id_prefix="vid_footer"):
    price_entry = "update_footer_image"
    input_model = FooterJob
    before_render = [[FOOTER_CARD]]

    def prepare(self, body: FooterUpdate, env: PrepareEnv) -> Prepared[FooterJob]:
        sources = self.sources(env, [body.session_id])
        logo = env.media.image(body.cta_logo, "cta_logo") if body.cta_logo else None
        footer = None if body.remove_footer else Footer(url=body.cta_url, text=body.cta_text or "")
        return Prepared(FooterJob(**lineage(sources), footer=footer, cta_logo_key=logo.key if logo else None))

    def plan(self, job: FooterJob) -> Plan[FooterJob]:
        return super().plan(job) if job.footer is not None else [[self.render_stage]]

    def transform(
        self, sources: Sequence[SessionDocument], job: FooterJob, ctx: StageContext[FooterJob]
    ) -> SessionDocument:
        card = ctx.maybe_output(CardsOutput)
        return transforms.set_footer(sources[0], card.footer_key if card else None)


UPDATE_FOOTER_IMAGE = register(UpdateFooterImage())
