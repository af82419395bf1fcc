"""The media gateway's video-to-video kinds (``/v2/external/video/lip_sync`` and ``sound_effect``),
with the input shape samsar-js sends (``video_url``, ``audio_url``, ``aspect_ratio``, a model key
under several spellings). The hosted models' keys are accepted; the offline providers serve them
and the provider label says so."""

from __future__ import annotations

from pydantic import Field, field_validator

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.sessions.document import CANVAS_SIZES
from reelforge.stages.outputs import StageOutput
from reelforge.stages.video_gateway import lip_sync_video, sound_effect_video

VIDEO_STATUS = {"status_endpoint": "/v2/external/video/status"}
MAX_SPEECH_S = 120.0
MAX_VIDEO_S = 120.0
VIDEO_URL = aliases("video_url", "videoUrl", "videoLink", "video", "image_url", "imageUrl")


class VideoToVideoRequest(RequestBody):
    video_url: str = Field(..., min_length=1, validation_alias=VIDEO_URL)
    aspect_ratio: str | None = Field(None, validation_alias=aliases("aspect_ratio", "aspectRatio"))

    @field_validator("aspect_ratio")
    @classmethod
    def _known_aspect(cls, value: str | None) -> str | None:
        if value is not None and value not in CANVAS_SIZES:
            raise ValueError(f"must be one of {sorted(CANVAS_SIZES)}")
        return value


def _label(what: str, model: str | None) -> str:
    return f"LOCAL ({what}, offline default for {model})" if model else f"LOCAL ({what})"


class LipSyncRequest(VideoToVideoRequest):
    audio_url: str = Field(..., min_length=1, validation_alias=aliases("audio_url", "audioUrl", "audioLink", "audio"))
    model: str | None = Field(None, validation_alias=aliases(
        "lip_sync_model", "lipSyncModel", "video_model", "videoModel", "model"))


class LipSyncJob(JobInput):
    video_key: str
    audio_key: str
    seconds: float
    aspect_ratio: str | None = None
    model: str | None = None


def _lip_sync(ctx: StageContext[LipSyncJob]) -> StageOutput:
    job = ctx.job
    return lip_sync_video(ctx.env, job.video_key, job.audio_key, job.aspect_ratio)


class LipSync(SingleStageKind[LipSyncRequest, LipSyncJob], case_type="external_lip_sync", media_type="video",
              id_prefix="vid_lip"):
    input_model = LipSyncJob
    only_stage = StageDef[LipSyncJob]("lip_sync_generation", _lip_sync)

    def prepare(self, body: LipSyncRequest, env: PrepareEnv) -> Prepared[LipSyncJob]:
        video = env.media.media(body.video_url, "video_url", "video")
        audio = env.media.media(body.audio_url, "audio_url", "audio").at_most(MAX_SPEECH_S, "audio_url")
        job = LipSyncJob(video_key=video.key, audio_key=audio.key, seconds=audio.duration_s,
                         aspect_ratio=body.aspect_ratio, model=body.model)
        return Prepared(job, response_extra=VIDEO_STATUS)

    def provider(self, job: LipSyncJob) -> str:
        return _label("envelope lip sync of the first frame", job.model)

    def price(self, job: LipSyncJob, prices: PriceTable) -> int:
        return prices.per_second("external_lip_sync", job.seconds)


class SoundEffectVideoRequest(VideoToVideoRequest):
    prompt: str = Field(..., min_length=1, max_length=1000, validation_alias=aliases(
        "prompt", "audio_prompt", "audioPrompt", "sound_effect_prompt", "soundEffectPrompt"))
    model: str | None = Field(None, validation_alias=aliases(
        "sound_effect_model", "soundEffectModel", "video_model", "videoModel", "model"))


class SoundEffectVideoJob(JobInput):
    video_key: str
    seconds: float
    prompt: str
    aspect_ratio: str | None = None
    model: str | None = None


def _sound_effect(ctx: StageContext[SoundEffectVideoJob]) -> StageOutput:
    job = ctx.job
    return sound_effect_video(ctx.env, job.video_key, job.prompt, job.aspect_ratio)


class SoundEffectVideo(SingleStageKind[SoundEffectVideoRequest, SoundEffectVideoJob],
                       case_type="external_sound_effect_video", media_type="video", id_prefix="vid_sfx"):
    input_model = SoundEffectVideoJob
    only_stage = StageDef[SoundEffectVideoJob]("sound_effect_generation", _sound_effect)

    def prepare(self, body: SoundEffectVideoRequest, env: PrepareEnv) -> Prepared[SoundEffectVideoJob]:
        video = env.media.media(body.video_url, "video_url", "video").at_most(MAX_VIDEO_S, "video_url")
        if not video.duration_s:
            raise BadRequest("video_url is a still, not a video; sound effects need its duration.", field="video_url")
        job = SoundEffectVideoJob(video_key=video.key, seconds=video.duration_s, prompt=body.prompt,
                                  aspect_ratio=body.aspect_ratio, model=body.model)
        return Prepared(job, response_extra=VIDEO_STATUS)

    def provider(self, job: SoundEffectVideoJob) -> str:
        return _label("procedural sound effects", job.model)

    def price(self, job: SoundEffectVideoJob, prices: PriceTable) -> int:
        return max(1, prices.per_second("external_sound_effect_video", job.seconds))


LIP_SYNC = register(LipSync())
SOUND_EFFECT_VIDEO = register(SoundEffectVideo())
