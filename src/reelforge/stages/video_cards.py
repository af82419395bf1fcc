"""Stage frame_generation: outro card (generated QR CTA or the client's image), footer QR
cards per scene, and the narrator avatar overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from reelforge.imaging.cards import render_footer_card, render_narrator_avatar, render_outro_card
from reelforge.pipeline.registry import StageContext, stage
from reelforge.providers.image import cover

FOOTER_HEIGHT = {"16:9": 0.16, "9:16": 0.12}


def footer_items(opts: dict[str, Any], scenes: list[dict[str, Any]]) -> list[dict[str, str] | None]:
    """One footer per scene: a single footer_metadata item applies to every scene, several map
    by index; express CTA fills them from cta_url and the script's per-scene footer texts."""
    items = opts.get("footer_metadata") or []
    out: list[dict[str, str] | None] = []
    for i, scene in enumerate(scenes):
        item = items[0] if len(items) == 1 else (items[i] if i < len(items) else None)
        url = text = None
        if item:
            url = item.get("url") or item.get("cta_url") or item.get("ctaUrl")
            text = item.get("text") or item.get("cta_text") or item.get("title") or item.get("label")
        if opts.get("express_cta_generation"):
            url = url or opts.get("cta_url")
            text = text or scene.get("footer_text")
        out.append({"url": url, "text": text or ""} if url and (item or opts.get("express_cta_generation")) else None)
    return out


def _with_avatar(footer: Path | None, avatar: Path, width: int, height: int, out: Path) -> Path:
    """Put the presenter bottom-centre: inside the footer row when there is one, else on its own strip."""
    strip = Image.open(footer).convert("RGBA") if footer else Image.new("RGBA", (width, height), (0, 0, 0, 0))
    size = int(strip.height * 0.95) if footer else height
    figure = Image.open(avatar).convert("RGBA").resize((size, size), Image.Resampling.LANCZOS)
    strip.alpha_composite(figure, ((strip.width - size) // 2, strip.height - size))
    strip.save(out)
    return out


@stage("frame_generation", queue="cpu")
def run(ctx: StageContext) -> dict[str, Any]:
    if "operation" in ctx.input:
        from reelforge.stages import session_ops

        return session_ops.frames(ctx)
    opts, script = ctx.input, ctx.outputs["prompt_generation"]
    width, height = opts["canvas"]
    language, font = script["language"], opts.get("font_key")
    work, blobs, rid = ctx.work_dir(), ctx.rt.blobs, ctx.request.id
    result: dict[str, Any] = {"outro_key": None, "footer_keys": [], "avatar": False}

    if opts.get("generate_outro_image"):
        logo = blobs.path(opts["cta_logo_key"]) if opts.get("cta_logo_key") else None
        card = render_outro_card(
            width,
            height,
            opts["cta_url"],
            script.get("cta_text_top"),
            script.get("cta_text_bottom"),
            logo,
            font,
            language,
            work / "outro.png",
        )
        result["outro_key"] = blobs.put_file(f"sessions/{rid}/outro.png", card)
    elif opts.get("outro_key"):
        fitted = cover(Image.open(blobs.path(opts["outro_key"])).convert("RGB"), width, height)
        fitted.save(work / "outro.png")
        result["outro_key"] = blobs.put_file(f"sessions/{rid}/outro.png", work / "outro.png")

    strip_h = int(height * FOOTER_HEIGHT[opts.get("aspect_ratio", "16:9")])
    avatar = (
        render_narrator_avatar(strip_h * 2, seed=len(rid), out_path=work / "avatar.png")
        if opts.get("add_narrator_avatar")
        else None
    )
    items = (
        footer_items(opts, script["script"]["scenes"])
        if opts.get("add_footer_animation") or opts.get("express_cta_generation")
        else [None] * len(script["script"]["scenes"])
    )
    for i, item in enumerate(items):
        path: Path | None = None
        if item:
            path = render_footer_card(
                width, strip_h, item["url"], item["text"], font, language, work / f"footer-{i}.png"
            )
        if avatar is not None:
            path = _with_avatar(
                path, avatar, width, strip_h * 2 if path is None else strip_h, work / f"overlay-{i}.png"
            )
        result["footer_keys"].append(blobs.put_file(f"sessions/{rid}/footer-{i}.png", path) if path else None)
    result["avatar"] = avatar is not None
    return result
