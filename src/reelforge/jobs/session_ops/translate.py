"""``translate``: a copy of a session narrated and subtitled in another language (2 credits per
second of the source). The script's language-neutral facts are said again in the new language;
the outro and footer CTAs reelforge wrote are re-drawn in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import StrictBool, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.session_ops.copies import subtitled
from reelforge.jobs.video.job import Footer, VideoJob
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO, TEXT_TO_VIDEO
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument
from reelforge.stages.outputs import CardsOutput, ScriptOutput, SpeechOutput, StageOutput, TranscriptOutput
from reelforge.stages.video_cards import fitted_outro, footer_card, qr_outro
from reelforge.stages.video_script import translate_script
from reelforge.stages.video_speech import narrate, speech_cache_key
from reelforge.stages.video_subtitles import transcribe
from reelforge.text.languages import SUPPORTED_LANGUAGES


class Translate(SessionRef):
    language: str
    outro_image_url: str | None = None
    enable_subtitles: StrictBool = True
    translate_outro: StrictBool = True
    translate_footer: StrictBool = True

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {value!r}; expected one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value


class TranslateJob(SessionOpJob):
    language: str
    enable_subtitles: bool = True
    outro_key: str | None = None  # a new outro image given with the translation
    outro_cta_url: str | None = None  # re-draw the generated QR outro in the new language
    footer_cta_url: str | None = None  # re-draw the express-CTA footers in the new language


def _script(ctx: StageContext[TranslateJob]) -> StageOutput:
    return translate_script(ctx.env.earlier_output(ctx.job.origin_request_id, ScriptOutput), ctx.job.language)


def _speech(ctx: StageContext[TranslateJob]) -> StageOutput:
    return narrate(ctx.env, ctx.output(ScriptOutput), single_narrator=False)


def _speech_key(ctx: StageContext[TranslateJob]) -> Any:
    return speech_cache_key(ctx.env.rt, ctx.output(ScriptOutput), single_narrator=False)


def _cues(ctx: StageContext[TranslateJob]) -> StageOutput:
    return transcribe(ctx.output(SpeechOutput), ctx.job.language)


def _cards(ctx: StageContext[TranslateJob]) -> StageOutput:
    job, env = ctx.job, ctx.env
    doc = source_document(env.rt, job.source_session_ids[0])
    canvas = (doc.canvas.width, doc.canvas.height)
    script = ctx.output(ScriptOutput)
    cards = CardsOutput()
    if job.outro_key:
        cards.outro_key = fitted_outro(env, job.outro_key, canvas)
    elif job.outro_cta_url:
        texts = (script.cta_text_top, script.cta_text_bottom)
        cards.outro_key = qr_outro(env, canvas, job.outro_cta_url, texts, None, doc.font_key, job.language)
    if job.footer_cta_url:
        keys: list[str | None] = []
        for i, scene in enumerate(script.script.scenes):
            footer = Footer(url=job.footer_cta_url, text=scene.footer_text or "")
            path = footer_card(env, canvas, footer, doc.font_key, job.language, f"footer-{i}")
            keys.append(env.rt.blobs.put_file(env.session_file(f"footer-{i}.png"), path))
        cards.footer_keys = keys
    return cards


def _untranslatable_texts(origin: VideoJob) -> dict[str, list[str]]:
    """Texts in the outro and footers that the client supplied rather than reelforge generated."""
    outro = [text for text in (origin.cta_text_top, origin.cta_text_bottom) if text]
    footer = [item.text for item in origin.footer_metadata if item.text]
    return {
        "translate_outro": outro if origin.generate_outro_image else [],
        "translate_footer": footer if origin.add_footer_animation else [],
    }


class TranslateVideo(SessionOp[Translate, TranslateJob], case_type="translate", id_prefix="vid_tr"):
    input_model = TranslateJob
    before_render = [
        [StageDef[TranslateJob]("prompt_generation", _script)],
        [StageDef[TranslateJob]("speech_generation", _speech, cache_key=_speech_key)],
        [StageDef[TranslateJob]("transcript_generation", _cues), StageDef[TranslateJob]("frame_generation", _cards)],
    ]

    def prepare(self, body: Translate, env: PrepareEnv) -> Prepared[TranslateJob]:
        sources = self.sources(env, [body.session_id])
        known = lineage(sources)
        origin_row = requests.get(env.rt.db, known["origin_request_id"])
        if origin_row.case_type not in (TEXT_TO_VIDEO.case_type, IMAGE_LIST_TO_VIDEO.case_type):
            raise BadRequest("This session has no stored script to translate.", field="videoSessionId")
        origin = TEXT_TO_VIDEO.load_input(origin_row)
        for flag, texts in _untranslatable_texts(origin).items():
            if getattr(body, flag) and texts:
                # We translate what reelforge wrote (re-realised from the script's facts); text the client
                # wrote is not ours to guess at, and an untranslated card in a translated video is worse
                # than a clear refusal.
                raise BadRequest(
                    f"Cannot translate client-written text {texts[0]!r} without a translation provider; "
                    f"pass {flag}: false to keep it as it is.",
                    field=flag,
                )
        outro = env.media.image(body.outro_image_url, "outro_image_url") if body.outro_image_url else None
        return Prepared(
            TranslateJob(
                **known,
                language=body.language,
                enable_subtitles=body.enable_subtitles,
                outro_key=outro.key if outro else None,
                outro_cta_url=origin.cta_url if body.translate_outro and origin.generate_outro_image else None,
                footer_cta_url=origin.cta_url if body.translate_footer and origin.express_cta_generation else None,
            )
        )

    def price(self, job: TranslateJob, prices: PriceTable) -> int:
        return prices.per_second("translate_video", job.source_duration)

    def transform(
        self, sources: Sequence[SessionDocument], job: TranslateJob, ctx: StageContext[TranslateJob]
    ) -> SessionDocument:
        script, speech = ctx.output(ScriptOutput), ctx.output(SpeechOutput)
        doc = transforms.retell(
            sources[0],
            script.language,
            [(scene.narration, scene.title) for scene in script.script.scenes],
            [(track.key, track.duration_s) for track in speech.speech],
        )
        doc = subtitled(doc, ctx.output(TranscriptOutput))
        if not job.enable_subtitles:
            doc = transforms.remove_subtitles(doc)
        cards = ctx.output(CardsOutput)
        if cards.outro_key:
            outro = doc.outro
            animation = bool(outro and outro.outro and outro.outro.animation)
            focus = outro.outro.focus_area if outro and outro.outro else None
            doc = transforms.replace_outro(doc, cards.outro_key, animation=animation, focus_area=focus)
        for layer, footer in zip(doc.scenes, cards.footer_keys or [], strict=False):
            if layer.footer:  # translated footers replace existing ones; scenes without footers stay so
                doc = transforms.set_footer(doc, footer, layer_ids=[layer.id])
        return doc


TRANSLATE = register(TranslateVideo())
