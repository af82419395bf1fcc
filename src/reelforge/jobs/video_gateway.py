"""The media gateway's video-to-video kinds (``/v2/external/video/lip_sync`` and ``sound_effect``),
with the input shape samsar-js sends (``video_url``, ``audio_url``, ``aspect_ratio``, a model key
under several spellings). The hosted models' keys are accepted; the offline providers serve them
and the provider label says so."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import Field, field_validator

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, SingleStageKind, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.sessions.document import CANVAS_SIZES
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


class VideoToVideoJob(JobInput):
    video_key: str
    seconds: float  # what is priced: the speech's length for lip sync, the clip's for sound effects
    aspect_ratio: str | None = None
    model: str | None = None  # the hosted model key the client asked for: only named in the provider label


def model_key(*own: str) -> Any:
    """The ``model`` field: the kind's own spellings of its model key, then the generic ones."""
    return Field(None, validation_alias=aliases(*own, "video_model", "videoModel", "model"))


JobT = TypeVar("JobT", bound=VideoToVideoJob)
BodyT = TypeVar("BodyT", bound=VideoToVideoRequest)


class VideoToVideoKind(SingleStageKind[BodyT, JobT], media_type="video"):
    """What both kinds share: a video request polled at ``/v2/external/video/status``, priced per
    second of ``seconds`` (at least one credit), served offline under a label naming the asked model."""

    what: ClassVar[str]  # what the offline provider does, for the provider label

    def accepted(self, job: JobT) -> Prepared[JobT]:
        return Prepared(job, response_extra=VIDEO_STATUS)

    def provider(self, job: JobT) -> str:
        return f"LOCAL ({self.what}, offline default for {job.model})" if job.model else f"LOCAL ({self.what})"

    def price(self, job: JobT, prices: PriceTable) -> int:
        return max(1, prices.per_second(self.case_type, job.seconds))


class LipSyncRequest(VideoToVideoRequest):
    audio_url: str = Field(..., min_length=1, validation_alias=aliases("audio_url", "audioUrl", "audioLink", "audio"))
    model: str | None = model_key("lip_sync_model", "lipSyncModel")


class LipSyncJob(VideoToVideoJob):
    audio_key: str


class LipSync(VideoToVideoKind[LipSyncRequest, LipSyncJob], case_type="external_lip_sync", id_prefix="vid_lip"):
    only_stage = StageDef[LipSyncJob]("lip_sync_generation", lambda ctx: lip_sync_video(
        ctx.env, ctx.job.video_key, ctx.job.audio_key, ctx.job.aspect_ratio))
    what = "envelope lip sync of the first frame"

    def prepare(self, body: LipSyncRequest, env: PrepareEnv) -> Prepared[LipSyncJob]:
        video = env.media.media(body.video_url, "video_url", "video")
        audio = env.media.media(body.audio_url, "audio_url", "audio").at_most(MAX_SPEECH_S, "audio_url")
        return self.accepted(LipSyncJob(video_key=video.key, audio_key=audio.key, seconds=audio.duration_s,
                                        aspect_ratio=body.aspect_ratio, model=body.model))


class SoundEffectVideoRequest(VideoToVideoRequest):
    prompt: str = Field(..., min_length=1, max_length=1000, validation_alias=aliases(
        "prompt", "audio_prompt", "audioPrompt", "sound_effect_prompt", "soundEffectPrompt"))
    model: str | None = model_key("sound_effect_model", "soundEffectModel")


class SoundEffectVideoJob(VideoToVideoJob):
    prompt: str


class SoundEffectVideo(VideoToVideoKind[SoundEffectVideoRequest, SoundEffectVideoJob],
                       case_type="external_sound_effect_video", id_prefix="vid_sfx"):
    only_stage = StageDef[SoundEffectVideoJob]("sound_effect_generation", lambda ctx: sound_effect_video(
        ctx.env, ctx.job.video_key, ctx.job.prompt, ctx.job.aspect_ratio))
    what = "procedural sound effects"

    def prepare(self, body: SoundEffectVideoRequest, env: PrepareEnv) -> Prepared[SoundEffectVideoJob]:
        video = env.media.media(body.video_url, "video_url", "video").at_most(MAX_VIDEO_S, "video_url")
        if not video.duration_s:
            raise BadRequest("video_url is a still, not a video; sound effects need its duration.", field="video_url")
        return self.accepted(SoundEffectVideoJob(video_key=video.key, seconds=video.duration_s, prompt=body.prompt,
                                                 aspect_ratio=body.aspect_ratio, model=body.model))


LIP_SYNC = register(LipSync())
SOUND_EFFECT_VIDEO = register(SoundEffectVideo())
