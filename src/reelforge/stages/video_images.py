"""Stage image_generation: generated scene pictures (text_to_video: one per scene; reroll-layers:
new ones for the chosen layers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reelforge.jobs.video.job import VideoJob
from reelforge.providers import registry
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import SceneImagesOutput, ScriptOutput


@dataclass(frozen=True)
class Picture:
    """What one scene picture is generated from."""

    prompt: str
    title: str
    seed: int
    name: str  # its file name in the session


def scene_prompt(video_prompt: str | None, narration: str) -> str:
    """The picture prompt of a scene: the video's prompt and what the scene says."""
    return f"{video_prompt or ''}\n{narration}"


def generate_pictures(
    env: StageEnv,
    image_model: str,
    canvas: tuple[int, int],
    pictures: Sequence[Picture],
    language: str,
    font_key: str | None,
) -> SceneImagesOutput:
    width, height = canvas
    provider = registry.image_provider(env.rt.settings, image_model)
    keys = []
    for picture in pictures:
        path = env.work_dir() / picture.name
        provider.generate(
            picture.prompt,
            width,
            height,
            seed=picture.seed,
            out_path=path,
            title=picture.title,
            language=language,
            font_key=font_key,
        )
        keys.append(env.rt.blobs.put_file(env.session_file(picture.name), path))
    return SceneImagesOutput(scene_images=keys)


def generate_scene_images(env: StageEnv, job: VideoJob, script: ScriptOutput) -> SceneImagesOutput:
    pictures = [
        Picture(scene_prompt(job.prompt, scene.narration), scene.title, i, f"scene-{i}.png")
        for i, scene in enumerate(script.script.scenes)
    ]
    return generate_pictures(env, job.image_model, job.canvas, pictures, script.language, job.font_key)
