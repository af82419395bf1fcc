"""Stage image_generation (text_to_video): one generated picture per scene."""

from __future__ import annotations

from reelforge.jobs.video.job import VideoJob
from reelforge.providers import registry
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import SceneImagesOutput, ScriptOutput


def generate_scene_images(env: StageEnv, job: VideoJob, script: ScriptOutput) -> SceneImagesOutput:
    width, height = job.canvas
    provider = registry.image_provider(env.rt.settings, job.image_model)
    keys = []
    for i, scene in enumerate(script.script.scenes):
        path = env.work_dir() / f"scene-{i}.png"
        provider.generate(
            f"{job.prompt or ''}\n{scene.narration}",
            width,
            height,
            seed=i,
            out_path=path,
            title=scene.title,
            language=script.language,
            font_key=job.font_key,
        )
        keys.append(env.rt.blobs.put_file(env.session_file(f"scene-{i}.png"), path))
    return SceneImagesOutput(scene_images=keys)
