"""Stage prompt_generation: the script — scenes with narration and titles, plus CTA texts; or, for
a translation, the source's language-neutral script facts re-realised in another language."""

from __future__ import annotations

from reelforge.jobs.video.job import SCENE_SECONDS, VideoJob
from reelforge.providers import registry
from reelforge.providers.ocr import OcrUnavailableError, ocr_for_language
from reelforge.providers.script import (
    Script,
    ScriptRequest,
    ScriptScene,
    cta_texts_from_facts,
    realise,
    write_cta_texts,
)
from reelforge.stages.context import StageEnv
from reelforge.stages.image_output import open_input
from reelforge.stages.outputs import ScriptOutput

# OCR reads a photo's print reliably at this size; larger only costs time.
_OCR_SIDE = 1280


def printed_lines(env: StageEnv, job: VideoJob) -> list[list[str]]:
    """Per input image, the text printed on it, top to bottom (empty when no OCR engine is installed:
    the script then grounds itself in titles, metadata and the prompt alone)."""
    out: list[list[str]] = []
    for image in job.images:
        img = open_input(env, image.key)
        img.thumbnail((_OCR_SIDE, _OCR_SIDE))
        try:
            lines = ocr_for_language(None if job.language == "auto" else job.language).read(img)
        except OcrUnavailableError:
            return [[] for _ in job.images]
        out.append([line.text for line in sorted(lines, key=lambda line: (line.box[1], line.box[0]))])
    return out


def write_script(env: StageEnv, job: VideoJob) -> ScriptOutput:
    if job.given_scenes:  # written beforehand by the language model (a narrative): said as written
        scenes = [ScriptScene(narration=s.narration, title=s.title) for s in job.given_scenes]
        return ScriptOutput(language=job.language, script=Script(language=job.language, scenes=scenes))
    n_scenes = job.scene_count
    req = ScriptRequest(
        prompt=job.prompt,
        metadata=job.metadata,
        image_titles=[img.title for img in job.images] or [None] * n_scenes,
        image_texts=printed_lines(env, job),
        n_scenes=n_scenes,
        language=job.language,
        duration_s=job.duration or n_scenes * SCENE_SECONDS,
        tone=job.tone,
        cta_url=job.cta_url,
        want_cta_texts=job.express_cta_generation,
    )
    script = registry.script_writer(env.rt.settings).write(req)
    top, bottom = job.cta_text_top, job.cta_text_bottom
    if job.cta_url and (job.express_cta_generation or job.generate_outro_image):
        auto_top, auto_bottom = write_cta_texts(job.cta_url, job.metadata, script.language, job.prompt)
        top, bottom = top or script.cta_text_top or auto_top, bottom or script.cta_text_bottom or auto_bottom
    return ScriptOutput(language=script.language, script=script, cta_text_top=top, cta_text_bottom=bottom)


def translate_script(source: ScriptOutput, language: str) -> ScriptOutput:
    """The source script's facts said in ``language``; CTA texts only where the source had them."""
    structured = source.script.structured
    translated = realise(structured, language)
    top, bottom = translated.cta_text_top, translated.cta_text_bottom
    if (source.cta_text_top or source.cta_text_bottom) and top is None and structured.get("cta_url"):
        # A QR outro without express CTA got its lines from write_cta_texts, not the script:
        # re-write them from the same facts, or the translated outro card would have no text.
        top, bottom = cta_texts_from_facts(structured, language)
    return ScriptOutput(
        language=translated.language,
        script=translated,
        cta_text_top=top if source.cta_text_top else None,
        cta_text_bottom=(bottom or source.cta_text_bottom) if source.cta_text_bottom else None,
    )
