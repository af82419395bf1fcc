"""Stage video_generation: assemble the session document from the stage outputs, store it as
the session's first version, render it to MP4 and settle the price to the rendered duration."""

from __future__ import annotations

from reelforge.jobs.video.job import OUTRO_SECONDS, VideoJob, scene_durations, scene_windows, video_price
from reelforge.sessions.document import (
    AudioLayer,
    Canvas,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
)
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import (
    CardsOutput,
    ClipsOutput,
    MusicOutput,
    Published,
    ScriptOutput,
    SpeechOutput,
    TranscriptOutput,
)
from reelforge.stages.publish import publish_render

MUSIC_GAIN_DB = -14.0


def build_document(
    job: VideoJob,
    script: ScriptOutput,
    speech: SpeechOutput,
    clips: ClipsOutput,
    cards: CardsOutput,
    transcript: TranscriptOutput,
    music: MusicOutput,
) -> SessionDocument:
    tracks = speech.speech
    cues = transcript.cues or [[] for _ in tracks]
    footers = cards.footer_keys or []
    windows = scene_windows(scene_durations([t.duration_s for t in tracks], job.duration))
    layers = [
        Layer(
            id=f"scene-{i}",
            kind="scene",
            start=start,
            end=end,
            clip=clips.clips[i].source,
            camera_motion=clips.clips[i].motion,
            narration=scene.narration,
            title=scene.title,
            active_items=[
                TextItem(text=c.text, start=c.start, end=min(c.end, end - start))
                for c in cues[i]
                if c.start < end - start
            ],
            footer=footers[i] if i < len(footers) else None,
            transition_in=Transition(duration=0.5) if i else None,
        )
        for i, (scene, (start, end)) in enumerate(zip(script.script.scenes, windows, strict=True))
    ]
    if cards.outro_key:
        end = layers[-1].end
        layers.append(
            Layer(
                id="outro",
                kind="outro",
                start=end,
                end=round(end + OUTRO_SECONDS, 3),
                clip=cards.outro_key,
                transition_in=Transition(duration=0.5),
                outro=OutroOptions(animation=job.add_outro_animation, focus_area=job.focus_area),
            )
        )
    total = layers[-1].end
    audio = [
        AudioLayer(id=f"speech-{i}", kind="speech", source=t.key, start=layers[i].start, layer_id=f"scene-{i}")
        for i, t in enumerate(tracks)
    ]
    audio.append(
        AudioLayer(
            id="music",
            kind="music",
            source=music.music_key,
            start=0.0,
            duration=total,
            gain_db=MUSIC_GAIN_DB,
            fade_out=2.0,
            loop=True,
        )
    )
    width, height = job.canvas
    return SessionDocument(
        canvas=Canvas(width=width, height=height, fps=job.fps),
        language=script.language,
        font_key=job.font_key,
        subtitles=job.enable_subtitles,
        layers=layers,
        audio=audio,
    )


def render_video(
    env: StageEnv, job: VideoJob, doc: SessionDocument, script: ScriptOutput, speech: SpeechOutput
) -> Published:
    published = publish_render(env, doc, lambda seconds: video_price(env.rt.prices, job, seconds))
    if job.providers:  # which backend served each stage: no hosted model is claimed that did not run
        written = {"prompt_generation": script.script.writer} if script.script.writer else {}
        published.result["providers"] = {**job.providers, **written, **_spoken_by(job, speech)}
    return published


def _spoken_by(job: VideoJob, speech: SpeechOutput) -> dict[str, str]:
    """The engines and voices that really spoke, read from the narration tracks: offline, English goes
    to a Piper voice and other languages to espeak-ng, which acceptance could not know."""
    spoken = sorted({f"{t.provider} {t.voice}" if t.voice else t.provider for t in speech.speech if t.provider})
    if not spoken or job.providers.get("speech_generation", "").startswith("OPENAI"):
        return {}
    return {"speech_generation": "LOCAL (" + ", ".join(spoken) + ")"}
