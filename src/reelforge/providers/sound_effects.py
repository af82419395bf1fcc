"""Procedural sound effects from a prompt's keywords, in numpy: the offline default of the media
gateway's sound-effect routes.

Each recipe is a small synthesis of the real thing's physics — rain is band-passed noise with
droplet blips, thunder a low-passed noise burst with a long decay, birds frequency-swept chirps, a
chime inharmonic partials of a struck bar — chosen by the words of the prompt. Up to three recipes
are layered; a prompt naming none gets a whoosh, and :class:`Effect` says which recipes ran, so a
response never pretends a hosted model produced it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 44100
_PEAK = 10 ** (-3 / 20)

Synth = Callable[[int, int, np.random.Generator], np.ndarray]  # (samples, rate, rng) -> mono


def _band_noise(n: int, rate: int, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    """White noise band-limited in the frequency domain (no filter state, exact band edges)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    out = np.fft.irfft(spectrum, n)
    return out / (np.abs(out).max() + 1e-9)


def _decay(n: int, rate: int, seconds: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (seconds * rate))


def _scatter(out: np.ndarray, grain: np.ndarray, times: np.ndarray, gains: np.ndarray) -> None:
    """Overlap-add ``grain`` at each start sample."""
    for start, gain in zip(times, gains, strict=True):
        end = min(len(out), start + len(grain))
        out[start:end] += gain * grain[: end - start]


def _poisson_times(n: int, rate: int, per_second: float, rng: np.random.Generator) -> np.ndarray:
    count = rng.poisson(per_second * n / rate)
    return np.sort(rng.integers(0, max(1, n), count))


def _rain(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = 0.35 * _band_noise(n, rate, 800, 9000, rng)
    t = np.arange(int(0.012 * rate)) / rate
    times = _poisson_times(n, rate, 45, rng)
    for start in times:  # each drop its own pitch: a plink, not a click train
        drop = np.sin(2 * np.pi * rng.uniform(2000, 5000) * t) * _decay(len(t), rate, 0.003)
        _scatter(out, drop, np.array([start]), np.array([rng.uniform(0.1, 0.5)]))
    return out


def _thunder(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    rumble = _band_noise(n, rate, 20, 180, rng)
    for start in sorted(rng.integers(0, max(1, n // 2), 1 + n // (6 * rate))):
        length = n - start
        attack = np.minimum(1.0, np.arange(length) / (0.08 * rate))
        out[start:] += rumble[:length] * attack * _decay(length, rate, 1.4)
    return out + 0.1 * rumble


def _wind(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    gust = 0.55 + 0.3 * np.sin(2 * np.pi * 0.13 * t + rng.uniform(0, 6)) + 0.15 * np.sin(2 * np.pi * 0.37 * t)
    return _band_noise(n, rate, 120, 900, rng) * gust


def _waves(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    period = rng.uniform(5.5, 8.0)
    swell = (0.5 - 0.5 * np.cos(2 * np.pi * t / period)) ** 2  # a breaker builds, crashes, recedes
    return _band_noise(n, rate, 60, 2500, rng) * (0.15 + swell)


def _fire(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = 0.25 * _band_noise(n, rate, 40, 400, rng)
    crackle = _band_noise(int(0.004 * rate), rate, 2000, 12000, rng) * _decay(int(0.004 * rate), rate, 0.001)
    times = _poisson_times(n, rate, 14, rng)
    _scatter(out, crackle, times, rng.uniform(0.2, 1.0, len(times)))
    return out


def _birds(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    for start in _poisson_times(n, rate, 2.5, rng):
        notes = rng.integers(2, 6)
        base = rng.uniform(2200, 4200)
        for k in range(notes):  # a phrase of rising-then-falling chirps
            length = int(rng.uniform(0.05, 0.12) * rate)
            t = np.arange(length) / rate
            sweep = base * (1 + 0.35 * np.sin(np.pi * t / t[-1]))
            phase = 2 * np.pi * np.cumsum(sweep) / rate
            chirp = np.sin(phase) * np.sin(np.pi * t / t[-1])
            _scatter(out, chirp, np.array([start + k * int(0.14 * rate)]), np.array([0.6]))
    return out


def _engine(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    rpm = rng.uniform(35, 55) * (1 + 0.08 * np.sin(2 * np.pi * 0.2 * t))
    phase = 2 * np.pi * np.cumsum(rpm) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 9))
    firing = 0.7 + 0.3 * np.sin(2 * phase)
    return 0.6 * tone * firing + 0.25 * _band_noise(n, rate, 60, 600, rng)


def _whoosh(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    every = 2.5
    centre = (t % every) - every / 2
    envelope = np.exp(-(centre**2) / (2 * 0.18**2))
    return _band_noise(n, rate, 300, 6000, rng) * envelope


def _chime(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    length = min(n, int(2.5 * rate))
    t = np.arange(length) / rate
    for start in range(0, n, int(1.6 * rate)):
        f0 = rng.choice([784.0, 880.0, 1046.5, 1174.7])
        strike = sum(np.sin(2 * np.pi * f0 * r * t) * np.exp(-t * (1.2 + r)) / (1 + r) for r in (1, 2.76, 5.4, 8.93))
        _scatter(out, strike, np.array([start]), np.array([1.0]))
    return out


def _beep(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    gate = ((t % 0.5) < 0.18).astype(float)
    return 0.5 * np.sign(np.sin(2 * np.pi * 1000 * t)) * gate


def _impact(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    length = min(n, int(1.5 * rate))
    t = np.arange(length) / rate
    boom = np.sin(2 * np.pi * np.cumsum(40 + 80 * np.exp(-t * 8)) / rate) * np.exp(-t * 3)
    boom += _band_noise(length, rate, 100, 4000, rng) * np.exp(-t * 12)
    _scatter(out, boom, np.arange(0, n, int(3 * rate)), np.ones(len(range(0, n, int(3 * rate)))))
    return out


def _footsteps(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    length = int(0.08 * rate)
    step = _band_noise(length, rate, 60, 1800, rng) * _decay(length, rate, 0.015)
    times = np.arange(int(0.1 * rate), n, int(0.55 * rate))
    _scatter(out, step, times, np.where(np.arange(len(times)) % 2 == 0, 1.0, 0.75))
    return out


def _applause(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    length = int(0.006 * rate)
    clap = _band_noise(length, rate, 800, 8000, rng) * _decay(length, rate, 0.0015)
    times = _poisson_times(n, rate, 260, rng)
    _scatter(out, clap, times, rng.uniform(0.2, 1.0, len(times)))
    return out


def _stream(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    out = 0.4 * _band_noise(n, rate, 300, 3500, rng)
    for start in _poisson_times(n, rate, 12, rng):
        length = int(rng.uniform(0.02, 0.05) * rate)
        t = np.arange(length) / rate
        bubble = np.sin(2 * np.pi * np.cumsum(np.linspace(300, 1200, length)) / rate) * np.sin(np.pi * t / t[-1])
        _scatter(out, bubble, np.array([start]), np.array([0.3]))
    return out


@dataclass(frozen=True)
class _Recipe:
    name: str
    words: tuple[str, ...]
    synth: Synth
    gain: float = 1.0


RECIPES: tuple[_Recipe, ...] = (
    _Recipe("rain", ("rain", "raining", "rainy", "drizzle", "downpour", "storm"), _rain),
    _Recipe("thunder", ("thunder", "thunderstorm", "lightning", "storm", "rumble"), _thunder),
    _Recipe("wind", ("wind", "windy", "breeze", "gust", "gale", "howling"), _wind),
    _Recipe("waves", ("wave", "waves", "ocean", "sea", "surf", "beach", "shore", "tide"), _waves),
    _Recipe("fire", ("fire", "campfire", "fireplace", "crackle", "crackling", "flames", "burning"), _fire),
    _Recipe("birds", ("bird", "birds", "chirp", "chirping", "birdsong", "forest", "tweet", "morning"), _birds, 0.7),
    _Recipe("engine", ("engine", "car", "motor", "traffic", "truck", "motorcycle", "idle"), _engine),
    _Recipe("whoosh", ("whoosh", "swoosh", "swish", "woosh", "transition", "swipe", "fly", "flying"), _whoosh),
    _Recipe("chime", ("chime", "chimes", "bell", "bells", "ding", "glockenspiel", "magic", "sparkle"), _chime, 0.8),
    _Recipe("beep", ("beep", "beeps", "alarm", "alert", "ping", "notification", "buzzer", "timer"), _beep, 0.6),
    _Recipe("impact", ("impact", "boom", "explosion", "hit", "punch", "slam", "crash", "bang", "thud"), _impact),
    _Recipe("footsteps", ("footstep", "footsteps", "steps", "walking", "walk", "running", "stairs"), _footsteps),
    _Recipe("applause", ("applause", "clap", "clapping", "cheer", "cheering", "audience", "crowd"), _applause),
    _Recipe("stream", ("stream", "river", "brook", "creek", "water", "waterfall", "babbling", "bubbling"), _stream),
)
DEFAULT_RECIPE = "whoosh"
MAX_LAYERS = 3


@dataclass(frozen=True)
class Effect:
    samples: np.ndarray  # mono float in [-1, 1]
    sample_rate: int
    recipes: tuple[str, ...]  # what was synthesised, in prompt order
    matched: bool  # False: no recipe's word was in the prompt, so the default ran

    def describe(self) -> str:
        what = " + ".join(self.recipes)
        if self.matched:
            return f"procedural synthesis from the prompt's keywords: {what}"
        return f"procedural synthesis: no known sound named in the prompt, so a generic {what}"


def recipes_for(prompt: str) -> list[_Recipe]:
    words = re.findall(r"[a-z]+", prompt.lower())
    chosen: list[_Recipe] = []
    for word in words:
        for recipe in RECIPES:
            if word in recipe.words and recipe not in chosen:
                chosen.append(recipe)
    return chosen[:MAX_LAYERS]


def synthesize(prompt: str, seconds: float, sample_rate: int = SAMPLE_RATE) -> Effect:
    """A ``seconds``-long effect for ``prompt``; the same prompt always gives the same sound."""
    chosen = recipes_for(prompt)
    matched = bool(chosen)
    if not chosen:
        chosen = [next(r for r in RECIPES if r.name == DEFAULT_RECIPE)]
    n = max(1, int(round(seconds * sample_rate)))
    rng = np.random.default_rng(zlib.crc32(prompt.strip().lower().encode()))
    mix = np.zeros(n)
    for recipe in chosen:
        layer = recipe.synth(n, sample_rate, rng)
        mix += recipe.gain * layer / (np.abs(layer).max() + 1e-9)
    fade = min(n // 2, int(0.02 * sample_rate))  # no click at either end
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        mix[:fade] *= ramp
        mix[-fade:] *= ramp[::-1]
    mix *= _PEAK / (np.abs(mix).max() + 1e-9)
    return Effect(mix, sample_rate, tuple(r.name for r in chosen), matched)
