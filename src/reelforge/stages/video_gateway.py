"""Stages of the media gateway's video-to-video routes: ``lip_sync_generation`` (a narrator still
animated to a speech track) and ``sound_effect_generation`` (a synthesised effect laid under a
video). Both publish one MP4."""

from __future__ import annotations

import math
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageOps

from reelforge.providers import lip_sync, sound_effects
from reelforge.providers.tts import decode_wav_mono16, write_wav_mono16
from reelforge.render.ffmpeg import RenderCancelled, run_ffmpeg
from reelforge.render.probe import probe_media
from reelforge.render.stills import even
from reelforge.render.timeline import encoder_args
from reelforge.sessions.document import CANVAS_SIZES
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published

MAX_SIDE = 1280  # gateway clips are previews of a narrator or a scene, not the final ad's canvas
SPEECH_RATE = 22050


def _first_frame(path: Path) -> Image.Image:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            return Image.fromarray(frame.to_ndarray(format="rgb24"))
    raise ValueError(f"{path.name} has no video frame")


def _frame_size(source: tuple[int, int], aspect_ratio: str | None) -> tuple[int, int]:
    """The output size: the requested aspect's canvas or the source's shape, within MAX_SIDE, even."""
    width, height = CANVAS_SIZES[aspect_ratio] if aspect_ratio else source
    scale = min(1.0, MAX_SIDE / max(width, height))
    return even(width * scale), even(height * scale)


def _speech_samples(env: StageEnv, audio: Path) -> np.ndarray:
    wav = env.work_dir() / "speech.wav"
    run_ffmpeg(["-i", str(audio), "-ac", "1", "-ar", str(SPEECH_RATE), "-c:a", "pcm_s16le", str(wav)],
               should_cancel=env.is_cancelled, what="speech decode")
    samples, _ = decode_wav_mono16(wav.read_bytes())
    return samples


def _publish_mp4(env: StageEnv, path: Path, extra: dict[str, object]) -> Published:
    info = probe_media(path)
    url = env.rt.blobs.url(env.rt.blobs.put_file(env.session_file("video.mp4"), path))
    env.clean_work_dir()
    width, height = info["width"], info["height"]
    return Published(result={
        "video_url": url, "result_url": url, "result_urls": [url],
        "duration": round(float(info["duration"] or 0), 3),
        "width": width, "height": height,
        "aspect_ratio": "9:16" if height > width else "16:9",
        **extra,
    })


def lip_sync_video(env: StageEnv, video_key: str, audio_key: str, aspect_ratio: str | None) -> Published:
    work = env.work_dir()
    still = _first_frame(env.rt.blobs.path(video_key))
    still = ImageOps.fit(still, _frame_size(still.size, aspect_ratio), Image.Resampling.LANCZOS)
    rgb = np.asarray(still)
    mouth = lip_sync.find_mouth(rgb)
    samples = _speech_samples(env, env.rt.blobs.path(audio_key))
    frames = max(1, math.ceil(len(samples) / SPEECH_RATE * lip_sync.FPS))
    levels = lip_sync.loudness_envelope(samples, SPEECH_RATE, frames)
    animator = lip_sync.JawAnimator(rgb, mouth)
    frame_dir = work / "frames"
    frame_dir.mkdir(exist_ok=True)
    for i, level in enumerate(levels):
        bgr = cv2.cvtColor(animator.frame(float(level)), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(frame_dir / f"{i:05d}.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
        if i % 50 == 0 and env.is_cancelled():
            raise RenderCancelled("lip sync cancelled")
    out = work / "lip_sync.mp4"
    run_ffmpeg(["-framerate", str(lip_sync.FPS), "-i", str(frame_dir / "%05d.jpg"), "-i", str(work / "speech.wav"),
                "-map", "0:v", "-map", "1:a", *encoder_args(lip_sync.FPS), "-shortest", str(out)],
               should_cancel=env.is_cancelled, partial_outputs=[out], what="lip sync encode")
    return _publish_mp4(env, out, {
        "route_type": "lip_sync", "external_video_route": "lip_sync",
        "method": lip_sync.describe(mouth), "face_detected": mouth.found_face,
        "mouth_open_frames": int(np.count_nonzero(levels > 0.1)), "frames": frames,
    })


def sound_effect_video(env: StageEnv, video_key: str, prompt: str, aspect_ratio: str | None) -> Published:
    work = env.work_dir()
    source = env.rt.blobs.path(video_key)
    info = probe_media(source)
    seconds = float(info["duration"])
    effect = sound_effects.synthesize(prompt, seconds)
    wav = work / "effect.wav"
    write_wav_mono16(wav, (effect.samples * 32767).astype(np.int16), effect.sample_rate)
    has_audio = info["audio_codec"] is not None
    # The effect goes under the video's own sound when it has one (ducked so speech stays on top).
    audio = (["-filter_complex", "[0:a]volume=1.0[a0];[1:a]volume=0.6[a1];[a0][a1]amix=inputs=2:duration=first[aout]",
              "-map", "0:v", "-map", "[aout]"] if has_audio else ["-map", "0:v", "-map", "1:a"])
    if aspect_ratio:
        width, height = _frame_size((info["width"], info["height"]), aspect_ratio)
        fit = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},setsar=1"
        fps = round(info["fps"] or 25)
        video = ["-vf", fit, *encoder_args(fps)]
    else:
        video = ["-c:v", "copy", "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart", "-f", "mp4"]
    out = work / "sound_effect.mp4"
    run_ffmpeg(["-i", str(source), "-i", str(wav), *audio, *video, "-shortest", str(out)],
               should_cancel=env.is_cancelled, partial_outputs=[out], what="sound effect mux")
    return _publish_mp4(env, out, {
        "route_type": "sound_effect", "external_video_route": "sound_effect",
        "method": effect.describe(), "sound_effects": list(effect.recipes), "prompt": prompt,
        "mixed_with_source_audio": has_audio,
    })
