"""Stage video_generation of an interactive video: one clip per node of a branching narrative,
each made by the text-to-video stages (scene pictures, narration, motion, cards, subtitles, music,
the session document) and rendered by the shared renderer. A node's files live under its own
prefix of the request's session (:class:`NodeEnv`), so the clips never overwrite each other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelforge.jobs.video.job import VideoJob, scene_durations
from reelforge.providers.script import Script, ScriptScene
from reelforge.render.encoders import choose
from reelforge.render.timeline import render_timeline
from reelforge.sessions.document import SessionDocument
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import ScriptOutput, TranscriptOutput
from reelforge.stages.video_cards import draw_cards
from reelforge.stages.video_clips import animate_stills
from reelforge.stages.video_images import generate_scene_images
from reelforge.stages.video_music import music_bed, music_seed
from reelforge.stages.video_render import build_document
from reelforge.stages.video_speech import narrate
from reelforge.stages.video_subtitles import transcribe
from reelforge.storage.render_cache import BlobSpanCache


@dataclass
class NodeEnv(StageEnv):
    """The request's environment with one node's own work directory and session files."""

    node: str = "root"

    def work_dir(self) -> Path:
        path = super().work_dir() / self.node
        path.mkdir(parents=True, exist_ok=True)
        return path

    def session_file(self, name: str) -> str:
        return super().session_file(f"{self.node}/{name}")


def node_document(env: StageEnv, job: VideoJob, node: str, lines: list[str]) -> SessionDocument:
    """The session document of one node's clip: its own scenes, made by the text-to-video stages."""
    node_env = NodeEnv(env.rt, env.request, stage=env.stage, node=node)
    scenes = [ScriptScene(narration=line, title="") for line in lines]
    script = ScriptOutput(language=job.language, script=Script(language=job.language, scenes=scenes))
    images = generate_scene_images(node_env, job, script)
    speech = narrate(node_env, script, single_narrator=True, scene_budget_s=None)
    clips = animate_stills(images.scene_images, job.canvas)
    transcript = transcribe(speech, job.language) if job.enable_subtitles else None
    seconds = sum(scene_durations([t.duration_s for t in speech.speech], None))
    music = music_bed(node_env, seconds, job.tone, music_seed(script))
    cards = draw_cards(node_env, job, script)
    return build_document(job, script, speech, clips, cards, transcript or TranscriptOutput(cues=[]), music)


def render_clip(env: StageEnv, node: str, doc: SessionDocument) -> dict[str, Any]:
    """Render ``doc`` to the node's MP4 in the blob store; its URL and length."""
    out = NodeEnv(env.rt, env.request, node=node).work_dir() / "clip.mp4"
    rendered = render_timeline(doc, out, env.rt.blobs.path, cache=BlobSpanCache(env.rt.blobs),
                               encoder=choose(env.rt.settings.video_encoder), preset=env.rt.settings.video_preset)
    key = env.rt.blobs.put_file(f"videos/{env.request_id}/{node}.mp4", out)
    return {"url": env.rt.blobs.url(key), "duration": round(rendered.duration_s, 3)}
