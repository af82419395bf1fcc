"""The stages of session operations (outro/footer updates, translate, clone, join, subtitles).

An operation's request carries ``operation`` and ``source_session_ids``; its stages read the
source session's latest document, compute only what the operation changes (a card, speech in
another language, cues) and the final ``video_generation`` applies the matching pure
transform from ``sessions.transforms`` and renders.
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from sqlalchemy import select

from reelforge.db.models import StageRun
from reelforge.imaging.cards import render_footer_card, render_outro_card
from reelforge.pipeline.publish import publish_render
from reelforge.pipeline.registry import StageContext
from reelforge.pipeline.video_plan import video_price
from reelforge.providers.image import cover
from reelforge.providers.script import realise
from reelforge.sessions import transforms
from reelforge.sessions.document import FocusArea, SessionDocument, TextItem
from reelforge.sessions.store import latest_document, save_version
from reelforge.stages.video_cards import FOOTER_HEIGHT
from reelforge.stages.video_subtitles import cues_from_words


def source_docs(ctx: StageContext) -> list[SessionDocument]:
    docs = []
    for sid in ctx.input["source_session_ids"]:
        found = latest_document(ctx.rt, sid)
        if found is None:
            raise ValueError(f"session {sid} has no stored timeline")
        docs.append(found[0])
    return docs


def stage_output(ctx: StageContext, request_id: str, stage: str) -> dict[str, Any]:
    with ctx.rt.db.session() as s:
        out = s.execute(
            select(StageRun.output)
            .where(
                StageRun.request_id == request_id, StageRun.stage == stage, StageRun.status.in_(("COMPLETED", "REUSED"))
            )
            .order_by(StageRun.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if out is None:
        raise ValueError(f"no {stage} output recorded for {request_id}")
    return dict(out)


# --- per-stage operation logic ----------------------------------------------------------------


def script(ctx: StageContext) -> dict[str, Any]:
    """translate: re-realise the stored language-neutral script facts in the target language."""
    origin = stage_output(ctx, ctx.input["origin_request_id"], "prompt_generation")
    translated = realise(origin["script"]["structured"], ctx.input["language"])
    return {
        "language": translated.language,
        "script": translated.model_dump(mode="json"),
        "cta_text_top": translated.cta_text_top if origin.get("cta_text_top") else None,
        "cta_text_bottom": translated.cta_text_bottom if origin.get("cta_text_bottom") else None,
    }


def transcript(ctx: StageContext) -> dict[str, Any]:
    """add_subtitles / translate: cues from the narration's word timings."""
    speech_request = ctx.request.id if "speech_generation" in ctx.outputs else ctx.input["speech_request_id"]
    speech = ctx.outputs.get("speech_generation") or stage_output(ctx, speech_request, "speech_generation")
    language = source_docs(ctx)[0].language if ctx.input["operation"] != "translate" else ctx.input["language"]
    joiner = "" if language in ("ja", "zh", "th") else " "
    return {"cues": [cues_from_words(t["words"], joiner) for t in speech["speech"]]}


def frames(ctx: StageContext) -> dict[str, Any]:
    op, opts, doc = ctx.input["operation"], ctx.input, source_docs(ctx)[0]
    width, height = doc.canvas.width, doc.canvas.height
    work, blobs, rid = ctx.work_dir(), ctx.rt.blobs, ctx.request.id
    language = opts.get("language") or doc.language
    if op in ("add_outro_image", "update_outro_image") or (op == "translate" and opts.get("cta_url")):
        if opts.get("outro_key"):
            cover(Image.open(blobs.path(opts["outro_key"])).convert("RGB"), width, height).save(work / "outro.png")
            return {"outro_key": blobs.put_file(f"sessions/{rid}/outro.png", work / "outro.png")}
        translated = ctx.outputs.get("prompt_generation", {})
        logo = blobs.path(opts["cta_logo_key"]) if opts.get("cta_logo_key") else None
        card = render_outro_card(
            width,
            height,
            opts["cta_url"],
            opts.get("cta_text_top") or translated.get("cta_text_top"),
            opts.get("cta_text_bottom") or translated.get("cta_text_bottom"),
            logo,
            doc.font_key,
            language,
            work / "outro.png",
        )
        return {"outro_key": blobs.put_file(f"sessions/{rid}/outro.png", card)}
    if op == "translate" and opts.get("footer_cta_url"):
        scenes = ctx.outputs["prompt_generation"]["script"]["scenes"]
        band = int(height * FOOTER_HEIGHT[doc.aspect_ratio])
        keys = []
        for i, scene in enumerate(scenes):
            card = render_footer_card(
                width,
                band,
                opts["footer_cta_url"],
                scene.get("footer_text") or "",
                doc.font_key,
                language,
                work / f"footer-{i}.png",
            )
            keys.append(blobs.put_file(f"sessions/{rid}/footer-{i}.png", card))
        return {"scene_footer_keys": keys}
    if op == "update_footer_image" and not opts.get("remove_footer"):
        strip = work / "footer.png"
        render_footer_card(
            width,
            int(height * FOOTER_HEIGHT[doc.aspect_ratio]),
            opts["cta_url"],
            opts.get("cta_text") or "",
            doc.font_key,
            language,
            strip,
        )
        if opts.get("cta_logo_key"):
            strip_img = Image.open(strip).convert("RGBA")
            mark = Image.open(blobs.path(opts["cta_logo_key"])).convert("RGBA")
            mark.thumbnail((strip_img.height * 2, int(strip_img.height * 0.8)))
            strip_img.alpha_composite(mark, (int(strip_img.height * 0.1), (strip_img.height - mark.height) // 2))
            strip_img.save(strip)
        return {"footer_key": blobs.put_file(f"sessions/{rid}/footer.png", strip)}
    return {}


def render(ctx: StageContext) -> dict[str, Any]:
    op, opts = ctx.input["operation"], ctx.input
    docs = source_docs(ctx)
    doc = docs[0]
    frames_out = ctx.outputs.get("frame_generation", {})
    if op == "remove_subtitles":
        doc = transforms.remove_subtitles(doc)
    elif op in ("add_subtitles", "translate"):
        cues = ctx.outputs["transcript_generation"]["cues"]
        scenes = doc.scenes
        if op == "translate":
            doc = retell(doc, ctx.outputs["prompt_generation"], ctx.outputs["speech_generation"])
            scenes = doc.scenes
        doc = transforms.set_subtitles(
            doc, {layer.id: [TextItem(**c) for c in cues[i]] for i, layer in enumerate(scenes) if i < len(cues)}
        )
        if op == "translate" and not opts.get("enable_subtitles", True):
            doc = transforms.remove_subtitles(doc)
    elif op == "join":
        doc = transforms.join(docs, blend_scenes=bool(opts.get("blend_scenes")))
    if frames_out.get("outro_key"):
        area = opts.get("outro_focus_area")
        doc = transforms.replace_outro(
            doc,
            frames_out["outro_key"],
            animation=bool(opts.get("add_outro_animation")),
            focus_area=FocusArea(**area) if area and opts.get("add_outro_focus_area") else None,
        )
    if op == "update_footer_image":
        doc = transforms.set_footer(doc, None if opts.get("remove_footer") else frames_out["footer_key"])
    for layer, footer in zip(doc.scenes, frames_out.get("scene_footer_keys", []), strict=False):
        if layer.footer:  # translated footers replace existing ones; scenes without footers stay so
            doc = transforms.set_footer(doc, footer, layer_ids=[layer.id])
    version = save_version(ctx.rt, ctx.request, doc)
    published = publish_render(ctx, doc, version)
    return {**published, "final_price": op_price(ctx, published["result"]["duration"])}


def retell(doc: SessionDocument, script_out: dict[str, Any], speech_out: dict[str, Any]) -> SessionDocument:
    """New narration and speech per scene; scenes stretch or shrink to the new speech, the rest follows."""
    new = doc.model_copy(deep=True)
    new.language = script_out["language"]
    tracks = speech_out["speech"]
    t = 0.0
    speech_by_layer = {a.layer_id: a for a in new.audio if a.kind == "speech"}
    for i, layer in enumerate(new.scenes):
        track = tracks[i]
        length = max(track["duration_s"] + 0.6, 2.0)
        layer.start, layer.end = round(t, 3), round(t + length, 3)
        layer.narration = script_out["script"]["scenes"][i]["narration"]
        layer.title = script_out["script"]["scenes"][i]["title"]
        if layer.id in speech_by_layer:
            speech_by_layer[layer.id].source, speech_by_layer[layer.id].start = track["key"], layer.start
        t += length
    if new.outro is not None:
        length = new.outro.end - new.outro.start
        new.outro.start, new.outro.end = round(t, 3), round(t + length, 3)
    for track_ in new.audio:
        if track_.kind == "music":
            track_.duration = new.duration
    new.language = script_out["language"]
    return SessionDocument.model_validate(new.model_dump(by_alias=True))


def op_price(ctx: StageContext, duration: float) -> int:
    prices, op = ctx.rt.prices, ctx.input["operation"]
    if op in ("translate_video", "translate"):
        return prices.per_second("translate_video", ctx.input["source_duration"])
    if op == "join":
        return prices.per_second("join_videos", duration)
    return int(ctx.input.get("price", 0))


__all__ = ["frames", "render", "script", "transcript", "video_price"]
