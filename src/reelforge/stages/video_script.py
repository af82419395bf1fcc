"""Stage prompt_generation: the script — scenes with narration and titles, plus CTA texts."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.registry import StageContext, stage
from reelforge.pipeline.video_plan import scene_count_for_duration
from reelforge.providers import registry
from reelforge.providers.script import ScriptRequest, write_cta_texts


@stage("prompt_generation", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    if "operation" in ctx.input:
        from reelforge.stages import session_ops

        return session_ops.script(ctx)
    opts = ctx.input
    images = opts.get("images", [])
    n_scenes = len(images) or scene_count_for_duration(float(opts["duration"]))
    req = ScriptRequest(
        prompt=opts.get("prompt"),
        metadata=opts.get("metadata", {}),
        image_titles=[img.get("title") for img in images] or [None] * n_scenes,
        n_scenes=n_scenes,
        language=opts.get("language", "auto"),
        duration_s=float(opts.get("duration") or n_scenes * 5.0),
        tone=opts.get("tone", "grounded"),
        cta_url=opts.get("cta_url"),
        want_cta_texts=bool(opts.get("express_cta_generation")),
    )
    script = registry.script_writer(ctx.rt.settings).write(req)
    top, bottom = opts.get("cta_text_top"), opts.get("cta_text_bottom")
    if opts.get("cta_url") and (opts.get("express_cta_generation") or opts.get("generate_outro_image")):
        auto_top, auto_bottom = write_cta_texts(
            opts["cta_url"], opts.get("metadata"), script.language, opts.get("prompt")
        )
        top, bottom = top or script.cta_text_top or auto_top, bottom or script.cta_text_bottom or auto_bottom
    return {
        "language": script.language,
        "script": script.model_dump(mode="json"),
        "cta_text_top": top,
        "cta_text_bottom": bottom,
    }
