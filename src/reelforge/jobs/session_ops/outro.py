"""``add_outro_image`` / ``update_outro_image``: a copy of a session with a new outro — the
client's image, or a generated QR card of ``cta_url`` (50 credits)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, StrictBool, field_validator, model_validator

from reelforge.core.errors import BadRequest
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.video.options import check_focus_area
from reelforge.sessions import transforms
from reelforge.sessions.document import FocusArea, SessionDocument
from reelforge.stages.outputs import CardsOutput, StageOutput
from reelforge.stages.video_cards import fitted_outro, qr_outro


class OutroUpdate(SessionRef):
    outro_image_url: str | None = Field(
        None, validation_alias=aliases("outro_image_url", "outroImageUrl", "new_outro_image_url", "newOutroImageUrl")
    )
    generate_outro_image: StrictBool = Field(
        False, validation_alias=aliases("generate_outro_image", "generateOutroImage")
    )
    cta_url: str | None = Field(None, validation_alias=aliases("cta_url", "ctaUrl"))
    cta_text_top: str | None = Field(None, max_length=120)
    cta_text_bottom: str | None = Field(None, max_length=120)
    cta_logo: str | None = None
    add_outro_animation: StrictBool = False
    add_outro_focus_area: StrictBool = False
    outro_focus_area: FocusArea | None = Field(None, validation_alias=aliases("outro_focust_area", "outro_focus_area"))

    @field_validator("cta_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("cta_url must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> OutroUpdate:
        if self.outro_image_url and self.generate_outro_image:
            raise ValueError(
                "outro_image_url: cannot be combined with generate_outro_image; choose one outro mode"
            )
        if not self.outro_image_url and not self.cta_url:
            raise ValueError(
                "outro_image_url: give outro_image_url, or cta_url (with generate_outro_image) for a QR outro"
            )
        check_focus_area(self)
        return self


class AddOutro(OutroUpdate):
    outro_image_url: str = Field(..., min_length=1, validation_alias=aliases("outro_image_url", "outroImageUrl"))


class OutroJob(SessionOpJob):
    outro_key: str | None = None  # the client's image; else a QR card of cta_url
    cta_url: str | None = None
    cta_text_top: str | None = None
    cta_text_bottom: str | None = None
    cta_logo_key: str | None = None
    add_outro_animation: bool = False
    focus_area: FocusArea | None = None


def _outro_card(ctx: StageContext[OutroJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    doc = source_document(env.rt, job.source_session_ids[0])
    canvas = (doc.canvas.width, doc.canvas.height)
    if job.outro_key:
        return CardsOutput(outro_key=fitted_outro(env, job.outro_key, canvas))
    assert job.cta_url is not None  # the body requires one of the two
    texts = (job.cta_text_top, job.cta_text_bottom)
    key = qr_outro(env, canvas, job.cta_url, texts, job.cta_logo_key, doc.font_key, doc.language)
    return CardsOutput(outro_key=key)


class _OutroOp(SessionOp[OutroUpdate, OutroJob]):
    input_model = OutroJob
    before_render = [[StageDef[OutroJob]("frame_generation", _outro_card)]]

    def prepare(self, body: OutroUpdate, env: PrepareEnv) -> Prepared[OutroJob]:
        sources = self.sources(env, [body.session_id])
        doc = source_document(env.rt, sources[0].id)
        area = body.outro_focus_area
        if area and not area.fits(doc.canvas):
            raise BadRequest(
                f"outro_focust_area must lie inside the {doc.canvas.width}x{doc.canvas.height} canvas.",
                field="outro_focust_area",
            )
        outro = env.media.image(body.outro_image_url, "outro_image_url") if body.outro_image_url else None
        logo = env.media.image(body.cta_logo, "cta_logo") if body.cta_logo else None
        return Prepared(
            OutroJob(
                **lineage(sources),
                outro_key=outro.key if outro else None,
                cta_url=body.cta_url,
                cta_text_top=body.cta_text_top,
                cta_text_bottom=body.cta_text_bottom,
                cta_logo_key=logo.key if logo else None,
                add_outro_animation=body.add_outro_animation,
                focus_area=area if body.add_outro_focus_area else None,
            )
        )

    def transform(
        self, sources: Sequence[SessionDocument], job: OutroJob, ctx: StageContext[OutroJob]
    ) -> SessionDocument:
        card = ctx.output(CardsOutput)
        assert card.outro_key is not None
        return transforms.replace_outro(
            sources[0], card.outro_key, animation=job.add_outro_animation, focus_area=job.focus_area
        )


class AddOutroImage(_OutroOp, case_type="add_outro_image", id_prefix="vid_outro"):
    price_entry = "add_outro_image"


class UpdateOutroImage(_OutroOp, case_type="update_outro_image", id_prefix="vid_outro"):
    price_entry = "update_outro_image"


ADD_OUTRO_IMAGE = register(AddOutroImage())
UPDATE_OUTRO_IMAGE = register(UpdateOutroImage())
