"""``/v2/video/regenerate_avatar``: a copy of a session whose narrator avatar is a new person.

The footer cards are redrawn from the script's lineage (the request that wrote the script keeps
the footer options and per-scene footer texts), with the avatar drawn from a seed that differs
from the source's; only the scene spans whose overlay changed are re-encoded by the shared render
stage. A session without footers gets the avatar on its own strip, as ``add_narrator_avatar``
draws it. Free, like the other footer redraws."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from pydantic import Field

from reelforge.core import requests
from reelforge.imaging.cards import avatar_look
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import aliases
from reelforge.jobs.catalog import kind as kind_of
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.video.job import Footer, VideoJob
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument
from reelforge.stages.outputs import CardsOutput, ScriptOutput, StageOutput
from reelforge.stages.video_cards import redraw_footers, source_avatar_seed

_SEED_RANGE = 2**31


def _new_person_seed(source_seed: int) -> int:
    """A fresh draw whose person a viewer tells apart from the source's (most draws are; the
    loop ends after a few tries)."""
    source = avatar_look(source_seed)
    while True:
        seed = secrets.randbelow(_SEED_RANGE)
        if avatar_look(seed).looks_unlike(source):
            return seed


class RegenerateAvatar(SessionRef):
    avatar_seed: int | None = Field(
        None, ge=0, lt=_SEED_RANGE, validation_alias=aliases("avatar_seed", "avatarSeed", "seed")
    )


class AvatarJob(SessionOpJob):
    avatar_seed: int


def _footers(ctx: StageContext[AvatarJob], n_scenes: int) -> list[Footer | None]:
    """The footer each scene carries, by the rule and texts of the request that wrote the script."""
    env, job = ctx.env, ctx.job
    origin = requests.get(env.rt.db, job.origin_request_id)
    stored = kind_of(origin.case_type).load_input(origin)
    if not isinstance(stored, VideoJob):
        return [None] * n_scenes
    script = env.earlier_output(job.origin_request_id, ScriptOutput)
    footers = stored.scene_footers([scene.footer_text for scene in script.script.scenes])
    return (footers + [None] * n_scenes)[:n_scenes]


def _avatar_cards(ctx: StageContext[AvatarJob]) -> StageOutput:
    doc = source_document(ctx.env.rt, ctx.job.source_session_ids[0])
    canvas = (doc.canvas.width, doc.canvas.height)
    footers = _footers(ctx, len(doc.scenes))
    keys = redraw_footers(ctx.env, canvas, footers, doc.font_key, doc.language, ctx.job.avatar_seed)
    return CardsOutput(footer_keys=list(keys), avatar=True)


AVATAR_CARDS = StageDef[AvatarJob]("frame_generation", _avatar_cards)


class RegenerateAvatarOp(
    SessionOp[RegenerateAvatar, AvatarJob], case_type="regenerate_avatar", id_prefix="vid_avatar"
):
    price_entry = "regenerate_avatar"
    input_model = AvatarJob
    before_render = [[AVATAR_CARDS]]

    def prepare(self, body: RegenerateAvatar, env: PrepareEnv) -> Prepared[AvatarJob]:
        sources = self.sources(env, [body.session_id])
        seed = body.avatar_seed
        if seed is None:
            seed = _new_person_seed(source_avatar_seed(sources[0].id))
        return Prepared(AvatarJob(**lineage(sources), avatar_seed=seed), response_extra={"avatar_seed": seed})

    def transform(
        self, sources: Sequence[SessionDocument], job: AvatarJob, ctx: StageContext[AvatarJob]
    ) -> SessionDocument:
        keys = ctx.output(CardsOutput).footer_keys or []
        doc = sources[0]
        for layer, key in zip(doc.scenes, keys, strict=False):
            doc = transforms.set_footer(doc, key, layer_ids=[layer.id])
        return doc


REGENERATE_AVATAR = register(RegenerateAvatarOp())
