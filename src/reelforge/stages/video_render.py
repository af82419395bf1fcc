"""Stage video_generation: assemble the session document from the stage outputs, store it as
the session's first version, render it to MP4 and settle the price to the rendered duration."""

from __future__ import annotations

from typing import Any

from reelforge.pipeline.publish import publish_render
from reelforge.pipeline.registry import StageContext, stage
from reelforge.pipeline.video_plan import OUTRO_SECONDS, scene_durations, scene_windows, video_price
from reelforge.sessions.document import (
    AudioLayer,
    Canvas,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
)
from reelforge.sessions.store import save_version

MUSIC_GAIN_DB = -14.0


def build_document(opts: dict[str, Any], out: dict[str, dict[str, Any]]) -> SessionDocument:
    script, speech = out["prompt_generation"], out["speech_generation"]["speech"]
    clips, cards = out["ai_video_generation"]["clips"], out["frame_generation"]
    cues = out["transcript_generation"]["cues"] or [[] for _ in speech]
    windows = scene_windows(scene_durations([t["duration_s"] for t in speech], opts.get("duration")))
    layers = [
        Layer(
            id=f"scene-{i}",
            kind="scene",
            start=start,
            end=end,
            clip=clips[i]["source"],
            camera_motion=clips[i]["motion"],
            narration=scene["narration"],
            title=scene["title"],
            active_items=[
                TextItem(text=c["text"], start=c["start"], end=min(c["end"], end - start))
                for c in cues[i]
                if c["start"] < end - start
            ],
            footer=cards["footer_keys"][i] if i < len(cards["footer_keys"]) else None,
            transition_in=Transition(duration=0.5) if i else None,
        )
        for i, (scene, (start, end)) in enumerate(zip(script["script"]["scenes"], windows, strict=True))
    ]
    if cards.get("outro_key"):
        focus = opts.get("outro_focus_area") if opts.get("add_outro_focus_area") else None
        end = layers[-1].end
        layers.append(
            Layer(
                id="outro",
                kind="outro",
                start=end,
                end=round(end + OUTRO_SECONDS, 3),
                clip=cards["outro_key"],
                transition_in=Transition(duration=0.5),
                outro=OutroOptions(animation=bool(opts.get("add_outro_animation")), focus_area=focus),
            )
        )
    total = layers[-1].end
    audio = [
        AudioLayer(id=f"speech-{i}", kind="speech", source=t["key"], start=layers[i].start, layer_id=f"scene-{i}")
        for i, t in enumerate(speech)
    ]
    audio.append(
        AudioLayer(
            id="music",
            kind="music",
            source=out["music_generation"]["music_key"],
            start=0.0,
            duration=total,
            gain_db=MUSIC_GAIN_DB,
            fade_out=2.0,
            loop=True,
        )
    )
    width, height = opts["canvas"]
    return SessionDocument(
        canvas=Canvas(width=width, height=height),
        language=script["language"],
        font_key=opts.get("font_key"),
        subtitles=bool(opts.get("enable_subtitles", True)),
        layers=layers,
        audio=audio,
    )


@stage("video_generation", queue="render")
def run(ctx: StageContext) -> dict[str, Any]:
    if "operation" in ctx.input:
        from reelforge.stages import session_ops

        return session_ops.render(ctx)
    doc = build_document(ctx.input, ctx.outputs)
    version = save_version(ctx.rt, ctx.request, doc)
    published = publish_render(ctx, doc, version)
    return {**published, "final_price": video_price(ctx.rt.prices, ctx.input, published["result"]["duration"])}
