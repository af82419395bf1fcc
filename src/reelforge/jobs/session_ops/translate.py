"""``translate``: a copy of a session narrated and subtitled in another language (2 credits per
second of the source). The script's language-neutral facts are said again in the new language;
the outro and footer CTAs reelforge wrote are re-drawn in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import StrictBool, field_validator

from reelforge.core import requests
from reelforge.core.errors import BadRequest, NotFound
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.session_ops.base import SessionOp, SessionOpJob, SessionRef, lineage, source_document
from reelforge.jobs.session_ops.copies import subtitled
from reelforge.jobs.video.job import Footer, scene_footers
from reelforge.jobs.video.kinds import IMAGE_LIST_TO_VIDEO, TEXT_TO_VIDEO
from reelforge.providers import registry
from reelforge.providers.translate import TextTranslator
from reelforge.sessions import transforms
from reelforge.sessions.document import SessionDocument
from reelforge.stages.outputs import CardsOutput, ScriptOutput, SpeechOutput, StageOutput, TranscriptOutput
from reelforge.stages.video_cards import fitted_outro, footer_card, qr_outro
from reelforge.stages.video_script import translate_script
from reelforge.stages.video_speech import narrate, speech_cache_key
from reelforge.stages.video_subtitles import transcribe
from reelforge.text.languages import SUPPORTED_LANGUAGES


def supported_language(value: str) -> str:
    value = value.strip().lower()
    if value not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {value!r}; expected one of {', '.join(SUPPORTED_LANGUAGES)}")
    return value


class Translate(SessionRef):
    language: str
    outro_image_url: str | None = None
    enable_subtitles: StrictBool = True
    translate_outro: StrictBool = True
    translate_footer: StrictBool = True

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        return supported_language(value)


class TranslateJob(SessionOpJob):
    language: str
    enable_subtitles: bool = True
    outro_key: str | None = None  # a new outro image given with the translation
    outro_cta_url: str | None = None  # re-draw the generated QR outro in the new language
    # The client's own outro lines, translated when the request was accepted (None: the script's).
    outro_text_top: str | None = None
    outro_text_bottom: str | None = None
    # Footers to re-draw in the new language: the origin's rule (scene_footers) with its items'
    # texts translated; the express-CTA ones come from the translated script.
    add_footer_animation: bool = False
    express_cta_generation: bool = False
    footer_metadata: list[Footer] = []
    cta_url: str | None = None
    translator: str = ""  # what translated the client's texts, for the record


def _script(ctx: StageContext[TranslateJob]) -> StageOutput:
    return translate_script(ctx.env.earlier_output(ctx.job.origin_request_id, ScriptOutput), ctx.job.language)


def _speech_budgets(ctx: StageContext[TranslateJob]) -> list[float]:
    """Per scene, the seconds the new speech may take without lengthening the source's scene."""
    doc = source_document(ctx.env.rt, ctx.job.source_session_ids[0])
    return [round(layer.end - layer.start - transforms.RETOLD_PADDING_S, 3) for layer in doc.scenes]


def _speech(ctx: StageContext[TranslateJob]) -> StageOutput:
    return narrate(ctx.env, ctx.output(ScriptOutput), single_narrator=False, fit_s=_speech_budgets(ctx))


def _speech_key(ctx: StageContext[TranslateJob]) -> Any:
    key = speech_cache_key(ctx.env.rt, ctx.output(ScriptOutput), single_narrator=False)
    return {**key, "fit": _speech_budgets(ctx)}


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
        texts = (job.outro_text_top or script.cta_text_top, job.outro_text_bottom or script.cta_text_bottom)
        cards.outro_key = qr_outro(env, canvas, job.outro_cta_url, texts, None, doc.font_key, job.language)
    footers = scene_footers(job, [scene.footer_text for scene in script.script.scenes])
    if any(footers):
        keys: list[str | None] = []
        for i, footer in enumerate(footers):
            if footer is None:
                keys.append(None)
                continue
            path = footer_card(env, canvas, footer, doc.font_key, job.language, f"footer-{i}")
            keys.append(env.rt.blobs.put_file(env.session_file(f"footer-{i}.png"), path))
        cards.footer_keys = keys
    return cards


def _translated(translator: TextTranslator, text: str | None, language: str, flag: str, name: str) -> str | None:
    """A client-written card text in ``language``; a 400 naming the field when it cannot be."""
    if not text:
        return None
    found = translator.translate(text, language)
    if found is None:
        # An untranslated card in a translated video is worse than a clear refusal.
        raise BadRequest(
            f"Cannot translate the client-written {name} {text!r} into {language!r} with {translator.label}; "
            f"pass {flag}: false to keep the card as it is (or configure an OpenAI-compatible endpoint).",
            field=flag,
        )
    return found


B = TypeVar("B", bound=RequestBody)


class Translation(SessionOp[B, TranslateJob]):
    """What translate_video and retranslate_video share: a translation of a completed session."""

    input_model = TranslateJob
    before_render = [
        [StageDef[TranslateJob]("prompt_generation", _script)],
        [StageDef[TranslateJob]("speech_generation", _speech, cache_key=_speech_key)],
        [StageDef[TranslateJob]("transcript_generation", _cues), StageDef[TranslateJob]("frame_generation", _cards)],
    ]

    def translation(self, body: Translate, env: PrepareEnv) -> Prepared[TranslateJob]:
        """The translation ``body`` asks for, of the session it names."""
        try:
            sources = self.sources(env, [body.session_id])
        except NotFound as exc:  # video-api.txt: an unknown session id is a 400 on this route
            raise BadRequest(exc.message, field=exc.field) from exc
        known = lineage(sources)
        origin_row = requests.get(env.rt.db, known["origin_request_id"])
        if origin_row.case_type not in (TEXT_TO_VIDEO.case_type, IMAGE_LIST_TO_VIDEO.case_type):
            raise BadRequest("This session has no stored script to translate.", field="videoSessionId")
        origin = TEXT_TO_VIDEO.load_input(origin_row)
        translator = registry.text_translator(env.rt.settings)
        lang = body.language
        outro = env.media.image(body.outro_image_url, "outro_image_url") if body.outro_image_url else None
        redraw_outro = body.translate_outro and origin.generate_outro_image
        footers = body.translate_footer and (origin.add_footer_animation or origin.express_cta_generation)

        def translated(text: str | None, flag: str, name: str) -> str | None:
            return _translated(translator, text, lang, flag, name)

        return Prepared(
            TranslateJob(
                **known,
                language=lang,
                enable_subtitles=body.enable_subtitles,
                outro_key=outro.key if outro else None,
                outro_cta_url=origin.cta_url if redraw_outro else None,
                outro_text_top=translated(origin.cta_text_top, "translate_outro", "cta_text_top")
                if redraw_outro
                else None,
                outro_text_bottom=translated(origin.cta_text_bottom, "translate_outro", "cta_text_bottom")
                if redraw_outro
                else None,
                add_footer_animation=footers and origin.add_footer_animation,
                express_cta_generation=footers and origin.express_cta_generation,
                footer_metadata=[
                    Footer(url=item.url, text=translated(item.text, "translate_footer", "footer text"))
                    for item in origin.footer_metadata
                ]
                if footers
                else [],
                cta_url=origin.cta_url,
                translator=translator.label,
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


class TranslateVideo(Translation[Translate], case_type="translate", id_prefix="vid_tr"):
    def prepare(self, body: Translate, env: PrepareEnv) -> Prepared[TranslateJob]:
        return self.translation(body, env)


TRANSLATE = register(TranslateVideo())
