"""Offline lip sync: a narrator still animated to the speech's amplitude envelope.

This is not a viseme model. The face is found with OpenCV's bundled Haar cascade where the installed
OpenCV has one (else, or when none is found, the mouth is placed where a centred narrator's sits,
and the response says so), and each frame opens the jaw — a smooth downward warp of
the region below the mouth line — in proportion to the speech's loudness in that frame, with a
slight head bob. Loud syllables open the mouth, pauses close it, so the motion follows the speech's
rhythm; it cannot shape vowels. :func:`describe` says so in every response.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

FPS = 25
MAX_OPEN = 0.22  # jaw drop at full loudness, as a fraction of the face height


@dataclass(frozen=True)
class Mouth:
    x: float  # centre, pixels
    y: float  # the mouth line
    width: float
    face_height: float
    found_face: bool


def describe(mouth: Mouth) -> str:
    where = "the detected face" if mouth.found_face else "the lower centre of the picture (no face located)"
    return ("offline envelope lip sync: the still's jaw, at " + where
            + ", opens with the speech's loudness frame by frame (not a viseme model)")


def _haar_cascade() -> Any | None:
    """OpenCV 4's bundled frontal-face cascade, where this build still has it (OpenCV 5 dropped
    ``CascadeClassifier`` and its data files from opencv-python)."""
    classifier = getattr(cv2, "CascadeClassifier", None)
    data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    path = Path(data or "") / "haarcascade_frontalface_default.xml"
    return classifier(str(path)) if classifier is not None and data and path.exists() else None


def find_mouth(rgb: np.ndarray) -> Mouth:
    """The mouth of the largest frontal face, from its box's proportions; without a detector, or
    when none is found, where a centred narrator's mouth sits."""
    height, width = rgb.shape[:2]
    cascade = _haar_cascade()
    if cascade is not None:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))
        if len(faces):
            x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
            return Mouth(x + w / 2, y + 0.74 * h, 0.5 * w, float(h), True)
    return Mouth(width / 2, height * 0.62, width * 0.16, height * 0.35, False)


def loudness_envelope(samples: np.ndarray, sample_rate: int, frames: int, fps: int = FPS) -> np.ndarray:
    """Per-video-frame RMS, normalised to the speech's loud frames and smoothed over ~3 frames."""
    hop = sample_rate / fps
    rms = np.zeros(frames)
    for i in range(frames):
        chunk = samples[int(i * hop): int((i + 1) * hop)]
        rms[i] = float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))) if len(chunk) else 0.0
    loud = np.percentile(rms[rms > 0], 95) if np.any(rms > 0) else 1.0
    level = np.clip(rms / (loud + 1e-9), 0.0, 1.0)
    level[level < 0.08] = 0.0  # breath and room noise keep the mouth shut
    return np.convolve(level, np.array([0.25, 0.5, 0.25]), mode="same")


class JawAnimator:
    """Frames of ``still`` with the jaw opened by a level in [0, 1]."""

    def __init__(self, still: np.ndarray, mouth: Mouth) -> None:
        self.still = still
        self.mouth = mouth
        height, width = still.shape[:2]
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        self.xs, self.ys = xs, ys
        # Weight of the warp: 1 under the mouth, fading out sideways and below the chin, 0 above.
        sideways = np.exp(-(((xs - mouth.x) / (1.2 * mouth.width)) ** 2))
        below = np.clip((ys - mouth.y) / (0.08 * mouth.face_height), 0, 1)
        chin = np.exp(-(np.clip(ys - mouth.y, 0, None) / (0.9 * mouth.face_height)) ** 2)
        self.weight = (sideways * below * chin).astype(np.float32)

    def frame(self, level: float) -> np.ndarray:
        drop = MAX_OPEN * self.mouth.face_height * level
        bob = 0.01 * self.mouth.face_height * level
        map_y = self.ys - drop * self.weight - bob
        out = cv2.remap(self.still, self.xs, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if drop < 1:
            return out
        # The gap the jaw opens is the mouth's inside: darken a lens between the lips.
        inside = np.clip(1 - ((self.xs - self.mouth.x) / (0.5 * self.mouth.width)) ** 2, 0, 1)
        depth = np.clip((self.ys - self.mouth.y) / drop, 0, 1)
        lens = inside * np.sin(np.pi * depth) * (self.ys >= self.mouth.y) * (self.ys <= self.mouth.y + drop)
        return (out * (1 - 0.75 * lens[..., None])).astype(np.uint8)
