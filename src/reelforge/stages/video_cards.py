"""Stage frame_generation: outro card (generated QR CTA or the client's image), footer QR cards
per scene, and the narrator avatar overlay. The card helpers serve session operations too."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from reelforge.imaging.cards import cover, render_footer_card, render_narrator_avatar, render_outro_card
from reelforge.imaging.png import save_png
from reelforge.jobs.video.job import Footer, VideoJob
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import CardsOutput, ScriptOutput

FOOTER_HEIGHT = {"16:9": 0.16, "9:16": 0.12}


def footer_band(width: int, height: int) -> int:
    """Height in pixels of the footer band on this canvas."""
    return int(height * FOOTER_HEIGHT["9:16" if height > width else "16:9"])


def fitted_outro(env: StageEnv, image_key: str, canvas: tuple[int, int]) -> str:
    """The client's outro image covering the canvas, stored as the session's outro card."""
    path = env.work_dir() / "outro.png"
    save_png(cover(Image.open(env.rt.blobs.path(image_key)).convert("RGB"), *canvas), path)
    return env.rt.blobs.put_file(env.session_file("outro.png"), path)


def qr_outro(
    env: StageEnv,
    canvas: tuple[int, int],
    cta_url: str,
    texts: tuple[str | None, str | None],
    logo_key: str | None,
    font_key: str | None,
    language: str,
) -> str:
    """A generated outro card: the CTA texts around a QR code of ``cta_url`` (with the client's logo)."""
    logo = env.rt.blobs.path(logo_key) if logo_key else None
    card = render_outro_card(
        *canvas, cta_url, texts[0], texts[1], logo, font_key, language, env.work_dir() / "outro.png"
    )
    return env.rt.blobs.put_file(env.session_file("outro.png"), card)


def footer_card(
    env: StageEnv,
    canvas: tuple[int, int],
    footer: Footer,
    font_key: str | None,
    language: str,
    name: str,
    logo_key: str | None = None,
) -> Path:
    """A footer strip with a QR code of ``footer.url`` (and the client's logo at its left)."""
    path = render_footer_card(
        canvas[0], footer_band(*canvas), footer.url or "", footer.text or "", font_key, language,
        env.work_dir() / f"{name}.png",
    )
    if logo_key:
        strip = Image.open(path).convert("RGBA")
        mark = Image.open(env.rt.blobs.path(logo_key)).convert("RGBA")
        mark.thumbnail((strip.height * 2, int(strip.height * 0.8)))
        strip.alpha_composite(mark, (int(strip.height * 0.1), (strip.height - mark.height) // 2))
        save_png(strip, path)
    return path


def _with_avatar(footer: Path | None, avatar: Path, width: int, height: int, out: Path) -> Path:
    """Put the presenter bottom-centre: inside the footer row when there is one, else on its own strip."""
    strip = Image.open(footer).convert("RGBA") if footer else Image.new("RGBA", (width, height), (0, 0, 0, 0))
    size = int(strip.height * 0.95) if footer else height
    figure = Image.open(avatar).convert("RGBA").resize((size, size), Image.Resampling.LANCZOS)
    strip.alpha_composite(figure, ((strip.width - size) // 2, strip.height - size))
    return save_png(strip, out)


def draw_cards(env: StageEnv, job: VideoJob, script: ScriptOutput) -> CardsOutput:
    language = script.language
    outro_key: str | None = None
    if job.generate_outro_image and job.cta_url:
        texts = (script.cta_text_top, script.cta_text_bottom)
        outro_key = qr_outro(env, job.canvas, job.cta_url, texts, job.cta_logo_key, job.font_key, language)
    elif job.outro_key:
        outro_key = fitted_outro(env, job.outro_key, job.canvas)

    footers = job.scene_footers([scene.footer_text for scene in script.script.scenes])
    seed = source_avatar_seed(env.request_id) if job.add_narrator_avatar else None
    footer_keys = redraw_footers(env, job.canvas, footers, job.font_key, language, seed)
    return CardsOutput(outro_key=outro_key, footer_keys=footer_keys, avatar=seed is not None)


def source_avatar_seed(request_id: str) -> int:
    """The avatar seed a generation draws its narrator with (regenerate_avatar picks another)."""
    return len(request_id)


def redraw_footers(
    env: StageEnv,
    canvas: tuple[int, int],
    footers: Sequence[Footer | None],
    font_key: str | None,
    language: str,
    avatar_seed: int | None,
) -> list[str | None]:
    """One stored overlay per scene: its footer card, with the narrator avatar of ``avatar_seed``
    bottom-centre (None: no avatar); None for a scene with neither."""
    width, height = canvas
    strip_h = footer_band(width, height)
    work = env.work_dir()
    avatar = (
        render_narrator_avatar(strip_h * 2, seed=avatar_seed, out_path=work / f"avatar-{avatar_seed}.png")
        if avatar_seed is not None
        else None
    )
    footer_keys: list[str | None] = []
    for i, item in enumerate(footers):
        path = footer_card(env, canvas, item, font_key, language, f"footer-{i}") if item else None
        if avatar is not None:
            path = _with_avatar(
                path, avatar, width, strip_h * 2 if path is None else strip_h, work / f"overlay-{i}.png"
            )
        footer_keys.append(env.rt.blobs.put_file(env.session_file(f"footer-{i}.png"), path) if path else None)
    return footer_keys
