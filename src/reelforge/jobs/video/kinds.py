"""The video kinds: ``text_to_video`` (scene pictures generated from the script) and
``image_list_to_video`` (the client's images, one scene each). Both write a script, narrate it,
animate the stills, draw cards, score and subtitle, then render one session document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobKind, Plan, Prepared, PrepareEnv, StageContext, StageDef, flatten
from reelforge.jobs.body import ENVELOPE_FIELDS
from reelforge.jobs.catalog import register
from reelforge.jobs.video.job import (
    OUTRO_SECONDS,
    SCENE_PADDING_S,
    Footer,
    SceneImage,
    VideoJob,
    scene_durations,
    video_price,
)
from reelforge.jobs.video.options import ImageListToVideoRequest, TextToVideoRequest, VideoOptions
from reelforge.providers import registry
from reelforge.providers.script import resolve_language
from reelforge.stages.outputs import (
    CardsOutput,
    ClipsOutput,
    MusicOutput,
    SceneImagesOutput,
    ScriptOutput,
    SpeechOutput,
    StageOutput,
    TranscriptOutput,
)
from reelforge.stages.video_cards import draw_cards
from reelforge.stages.video_clips import animate_stills
from reelforge.stages.video_images import generate_scene_images
from reelforge.stages.video_music import music_bed, music_seed
from reelforge.stages.video_render import build_document, render_video
from reelforge.stages.video_script import write_script
from reelforge.stages.video_speech import narrate, speech_cache_key
from reelforge.stages.video_subtitles import transcribe
from reelforge.text import fonts

Ctx = StageContext[VideoJob]


def _script(ctx: Ctx) -> StageOutput:
    return write_script(ctx.env, ctx.job)


def _scene_images(ctx: Ctx) -> StageOutput:
    return generate_scene_images(ctx.env, ctx.job, ctx.output(ScriptOutput))


def _speech(ctx: Ctx) -> StageOutput:
    script = ctx.output(ScriptOutput)
    # A requested duration is a budget: narration that overruns its scene is re-spoken faster.
    budget = ctx.job.duration / len(script.script.scenes) - SCENE_PADDING_S if ctx.job.duration else None
    return narrate(ctx.env, script, single_narrator=ctx.job.limit_single_narrator, scene_budget_s=budget)


def _speech_key(ctx: Ctx) -> Any:
    return speech_cache_key(ctx.env.rt, ctx.output(ScriptOutput), ctx.job.limit_single_narrator)


def _clips(ctx: Ctx) -> StageOutput:
    generated = ctx.maybe_output(SceneImagesOutput)
    sources = generated.scene_images if generated else [image.key for image in ctx.job.images]
    return animate_stills(sources, ctx.job.canvas)


def _total_seconds(ctx: Ctx) -> float:
    speech = [track.duration_s for track in ctx.output(SpeechOutput).speech]
    return sum(scene_durations(speech, ctx.job.duration)) + (OUTRO_SECONDS if ctx.job.has_outro else 0.0)


def _music(ctx: Ctx) -> StageOutput:
    return music_bed(ctx.env, _total_seconds(ctx), ctx.job.tone, music_seed(ctx.output(ScriptOutput)))


def _music_key(ctx: Ctx) -> Any:
    seed = music_seed(ctx.output(ScriptOutput))
    return {"seconds": round(_total_seconds(ctx), 3), "tone": ctx.job.tone, "seed": seed}


def _transcript(ctx: Ctx) -> StageOutput:
    if not ctx.job.enable_subtitles:
        return TranscriptOutput(cues=[])
    return transcribe(ctx.output(SpeechOutput), ctx.output(ScriptOutput).language)


def _cards(ctx: Ctx) -> StageOutput:
    return draw_cards(ctx.env, ctx.job, ctx.output(ScriptOutput))


def _render(ctx: Ctx) -> StageOutput:
    doc = build_document(
        ctx.job,
        ctx.output(ScriptOutput),
        ctx.output(SpeechOutput),
        ctx.output(ClipsOutput),
        ctx.output(CardsOutput),
        ctx.output(TranscriptOutput),
        ctx.output(MusicOutput),
    )
    return render_video(ctx.env, ctx.job, doc, ctx.output(ScriptOutput), ctx.output(SpeechOutput))


SCRIPT = StageDef[VideoJob]("prompt_generation", _script)
SCENE_IMAGES = StageDef[VideoJob]("image_generation", _scene_images, queue="gpu")
SPEECH = StageDef[VideoJob]("speech_generation", _speech, cache_key=_speech_key)
CLIPS = StageDef[VideoJob]("ai_video_generation", _clips, queue="gpu")
MUSIC = StageDef[VideoJob]("music_generation", _music, cache_key=_music_key)
TRANSCRIPT = StageDef[VideoJob]("transcript_generation", _transcript)
CARDS = StageDef[VideoJob]("frame_generation", _cards)
RENDER = StageDef[VideoJob]("video_generation", _render, queue="render")


TEXT_TO_VIDEO_PLAN: Plan[VideoJob] = [[SCRIPT], [SCENE_IMAGES, SPEECH], [MUSIC, CLIPS, TRANSCRIPT, CARDS], [RENDER]]
IMAGE_LIST_PLAN: Plan[VideoJob] = [[SCRIPT], [SPEECH, CLIPS, CARDS], [MUSIC, TRANSCRIPT], [RENDER]]

BodyT = TypeVar("BodyT", bound=VideoOptions)


class _VideoKind(JobKind[BodyT, VideoJob], media_type="video"):
    input_model = VideoJob
    hold_stage = "video_generation"  # pause_render holds a generation before its final render
    PLAN: Plan[VideoJob]

    def price(self, job: VideoJob, prices: PriceTable) -> int:
        return video_price(prices, job, job.estimated_duration())

    def provider(self, job: VideoJob) -> str:
        return job.providers.get("ai_video_generation", job.video_model)

    def plan(self, job: VideoJob) -> Plan[VideoJob]:
        return self.PLAN

    def stage_defs(self) -> Sequence[StageDef[VideoJob]]:
        return flatten(self.PLAN)

    def common_input(
        self,
        body: VideoOptions,
        env: PrepareEnv,
        titles: list[str | None],
        *,
        providers: dict[str, str] | None = None,
        **extra: Any,
    ) -> VideoJob:
        """Check what needs the deployment (models, fonts, canvas) and fetch the outro and logo."""
        settings = env.rt.settings
        if body.video_model not in registry.video_models(settings):
            raise BadRequest(
                f"video_model {body.video_model!r} is not a known model key; see GET /v1/video/supported_models.",
                field="video_model",
            )
        language = resolve_language(body.language, body.prompt, body.metadata, titles)
        if body.font_key and not fonts.is_font_supported(body.font_key, language):
            raise BadRequest(
                f"font_key {body.font_key!r} is not supported for language {language!r}; "
                "see GET /v1/supported_fonts.",
                field="font_key",
            )
        canvas = body.canvas()
        area = body.outro_focus_area
        if area and (area.x + area.width > canvas[0] or area.y + area.height > canvas[1]):
            raise BadRequest(
                f"outro_focust_area must lie inside the {canvas[0]}x{canvas[1]} canvas.", field="outro_focust_area"
            )
        outro = env.media.image(body.outro_image_url, "outro_image_url") if body.outro_image_url else None
        logo = env.media.image(body.cta_logo, "cta_logo") if body.cta_logo else None
        return VideoJob(
            **body.model_dump(
                exclude={*ENVELOPE_FIELDS, "image_urls", "outro_image_url", "cta_logo", "footer_metadata", "language"}
            ),
            language=language,
            canvas=canvas,
            fps=settings.video_fps,
            footer_metadata=[Footer(url=item.url, text=item.text) for item in body.footer_metadata],
            outro_key=outro.key if outro else None,
            outro_image_url=_echo(body.outro_image_url),
            cta_logo_key=logo.key if logo else None,
            providers={
                "prompt_generation": registry.describe_script_writer(settings),
                "speech_generation": registry.describe_tts(settings),
                "ai_video_generation": registry.describe_video(settings, body.video_model),
                **(providers or {}),
            },
            **extra,
        )


def _echo(url: str | None) -> str | None:
    return "data:…" if url and url.startswith("data:") else url


class TextToVideo(_VideoKind[TextToVideoRequest], case_type="text_to_video", id_prefix="vid"):
    PLAN = TEXT_TO_VIDEO_PLAN

    def prepare(self, body: TextToVideoRequest, env: PrepareEnv) -> Prepared[VideoJob]:
        settings = env.rt.settings
        if body.image_model not in registry.image_models(settings):
            raise BadRequest(
                f"image_model {body.image_model!r} is not a known model key; see GET /v1/video/supported_models.",
                field="image_model",
            )
        image = {"image_generation": registry.describe_image(settings, body.image_model)}
        return Prepared(self.common_input(body, env, [], providers=image, pricing=body.PRICING))


class ImageListToVideo(_VideoKind[ImageListToVideoRequest], case_type="image_list_to_video", id_prefix="vid_img"):
    PLAN = IMAGE_LIST_PLAN

    def prepare(self, body: ImageListToVideoRequest, env: PrepareEnv) -> Prepared[VideoJob]:
        job = self.common_input(body, env, [item.title for item in body.image_urls])
        job.images = [
            SceneImage(key=env.media.image(item.url, f"image_urls[{i}]").key, title=item.title)
            for i, item in enumerate(body.image_urls)
        ]
        return Prepared(job)


TEXT_TO_VIDEO = register(TextToVideo())
IMAGE_LIST_TO_VIDEO = register(ImageListToVideo())
