"""A synthetic but complete ad timeline (stills, speech-like tones, music, QR outro, footers, captions).

Used by the render tests and ``bench/render.py``: every asset is generated locally and is real media
(decodable images with distinctive shapes, WAV audio, scannable QR codes).
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from reelforge.sessions.document import (
    AudioLayer,
    CameraMotion,
    Canvas,
    Layer,
    OutroOptions,
    SessionDocument,
    TextItem,
    Transition,
)
from reelforge.text.fonts import resolve_font

CAPTIONS = (
    "Sunrise harbour tour",
    "Fresh market breakfast",
    "Hidden temple garden",
    "Evening rooftop dinner",
    "River boat lanterns",
    "Night market flavours",
)
MOTIONS: tuple[CameraMotion, ...] = ("push_in", "pan_right", "push_out", "pan_left", "pan_up", "pan_down")
PAN_MOTIONS: tuple[CameraMotion, ...] = ("pan_right", "pan_up", "pan_left", "pan_down")
_PALETTES = ((20, 60, 120), (140, 40, 60), (30, 110, 70), (120, 80, 20), (70, 30, 120), (20, 100, 110))


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(resolve_font(None, "en").path), size)


def scene_image(path: Path, size: tuple[int, int], seed: int) -> Path:
    """Gradient background with seeded circles, rectangles and a big scene number."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = np.array(_PALETTES[seed % len(_PALETTES)], dtype=np.float32)
    ramp = np.linspace(0.6, 1.4, width, dtype=np.float32)[None, :, None]
    vertical = np.linspace(0.8, 1.2, height, dtype=np.float32)[:, None, None]
    pixels = np.clip(base[None, None, :] * ramp * vertical, 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(min(size) // 20, min(size) // 6))
        colour = tuple(int(c) for c in rng.integers(60, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour, outline=(255, 255, 255), width=3)
    draw.text((width * 0.06, height * 0.08), str(seed + 1), font=_font(min(size) // 5), fill=(255, 255, 255))
    img.save(path)
    return path


def qr_image(url: str, box: int) -> Image.Image:
    qr = segno.make(url, error="m")
    modules = qr.symbol_size(scale=1, border=4)[0]
    scale = max(2, box // modules)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4, dark="black", light="white")
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def outro_card(path: Path, url: str, size: tuple[int, int], top: str = "Scan to book",
               bottom: str = "Limited offer") -> Path:
    """A CTA outro: dark card, headline, large QR code of ``url``, footer line."""
    width, height = size
    img = Image.new("RGB", size, (18, 22, 38))
    draw = ImageDraw.Draw(img)
    qr = qr_image(url, int(min(size) * 0.5))
    img.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 2))
    font = _font(max(18, min(size) // 16))
    for text, y in ((top, height * 0.06), (bottom, height * 0.86)):
        w = draw.textlength(text, font=font)
        draw.text(((width - w) / 2, y), text, font=font, fill=(255, 255, 255))
    img.save(path)
    return path


def footer_card(path: Path, url: str, title: str, width: int, height: int) -> Path:
    """A bottom CTA strip: rounded translucent panel, title, QR code of ``url`` on the right."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 6, fill=(10, 10, 10, 215))
    qr = qr_image(url, height - 12)
    img.paste(qr, (width - qr.width - 10, (height - qr.height) // 2))
    font = _font(max(14, height // 5))
    draw.text((height // 4, height // 2 - font.size // 2), title, font=font, fill=(255, 255, 255, 255))
    img.save(path)
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def speech_like(path: Path, seconds: float, pitch: float, rate: int = 22050) -> Path:
    """Syllable-like bursts of a harmonic tone (the ducking and loudness paths see speech dynamics)."""
    t = np.arange(int(seconds * rate)) / rate
    voice = sum(np.sin(2 * math.pi * pitch * k * t) / k for k in range(1, 5))
    syllables = np.clip(np.sin(2 * math.pi * 3.2 * t), 0, None) ** 0.6
    pauses = (np.sin(2 * math.pi * 0.45 * t) > -0.6).astype(np.float32)
    return write_wav(path, 0.35 * voice * syllables * pauses, rate)


def music_bed(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A soft chord progression with a pulse."""
    t = np.arange(int(seconds * rate)) / rate
    chords = ((220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6))
    which = (t // 2).astype(int) % len(chords)
    signal = np.zeros_like(t)
    for i, chord in enumerate(chords):
        mask = which == i
        signal[mask] = sum(np.sin(2 * math.pi * f * t[mask]) for f in chord) / 3
    pulse = 0.7 + 0.3 * np.sin(2 * math.pi * 2 * t)
    return write_wav(path, 0.3 * signal * pulse, rate)


@dataclass(frozen=True)
class DemoAd:
    doc: SessionDocument
    media: dict[str, Path]
    outro_url: str
    footer_url: str

    def resolve(self, ref: str) -> Path:
        return self.media[ref]


def build_demo_ad(
    workdir: Path,
    *,
    canvas: Canvas,
    scenes: int = 3,
    scene_s: float = 2.0,
    outro_s: float = 2.0,
    subtitles: bool = True,
    footers: bool = True,
    outro_animation: bool = False,
    outro_url: str = "https://example.com/book?ref=reelforge",
    footer_url: str = "https://example.com/tour",
    motions: tuple[CameraMotion, ...] = MOTIONS,
) -> DemoAd:
    """``scenes`` stills with motions and crossfades, per-scene speech, a looped music bed,
    captions per scene, footer QR cards, and a QR outro faded in over 0.5 s."""
    workdir.mkdir(parents=True, exist_ok=True)
    size = (canvas.width, canvas.height)
    media: dict[str, Path] = {}
    layers: list[Layer] = []
    audio: list[AudioLayer] = []
    footer_height = max(96, canvas.height // 5)
    if footers:
        media["footer"] = footer_card(workdir / "footer.png", footer_url, "Book this tour",
                                      min(canvas.width, footer_height * 4), footer_height)
    for i in range(scenes):
        ref = f"scene-{i}"
        media[ref] = scene_image(workdir / f"{ref}.png", size, i)
        media[f"speech-{i}"] = speech_like(workdir / f"speech-{i}.wav", scene_s * 0.8, 140 + 20 * (i % 3))
        start = i * scene_s
        caption = CAPTIONS[i % len(CAPTIONS)]
        layers.append(Layer(
            id=f"scene{i}", kind="scene", start=start, end=start + scene_s, clip=ref,
            camera_motion=motions[i % len(motions)], narration=caption, title=caption,
            active_items=[TextItem(text=caption, start=0.0, end=scene_s)],
            footer="footer" if footers else None,
            transition_in=Transition(duration=min(0.5, scene_s / 4)) if i else None,
        ))
        audio.append(AudioLayer(id=f"speech{i}", kind="speech", source=f"speech-{i}", start=start + 0.1,
                                layer_id=f"scene{i}"))
    media["outro"] = outro_card(workdir / "outro.png", outro_url, size)
    end = scenes * scene_s
    layers.append(Layer(id="outro", kind="outro", start=end, end=end + outro_s, clip="outro",
                        transition_in=Transition(duration=0.5),
                        outro=OutroOptions(animation=outro_animation)))
    total = end + outro_s
    media["music"] = music_bed(workdir / "music.wav", min(total, 12.0))
    audio.append(AudioLayer(id="music", kind="music", source="music", start=0.0, duration=total, loop=True,
                            gain_db=-8.0, fade_out=1.0))
    doc = SessionDocument(canvas=canvas, language="en", subtitles=subtitles, layers=layers, audio=audio)
    return DemoAd(doc=doc, media=media, outro_url=outro_url, footer_url=footer_url)
