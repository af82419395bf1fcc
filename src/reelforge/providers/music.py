"""A procedural music bed: chords, pad, arpeggio, bass and light percussion, in numpy.

Works like a tiny sampler so a 240 s bed takes well under a few seconds: every distinct sound
(one chord of pad, one arpeggio note, one drum hit) is synthesized once, given its reverb tail
once, and then overlap-added at each place it plays. ``tone`` picks the arrangement:
``grounded`` is warm, mid-tempo and major; ``cinematic`` is slower, minor, wider and deeper.
"""

from __future__ import annotations

import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
_PEAK = 10 ** (-3 / 20)  # normalise to −3 dBFS sample peak; the mix stage sets loudness


@dataclass(frozen=True)
class _Style:
    tempo_bpm: float
    scale: tuple[int, ...]
    roots_midi: tuple[int, ...]  # keys the seed chooses from (MIDI note of the tonic, bass octave)
    progressions: tuple[tuple[int, ...], ...]  # scale degrees (0-based), one chord per bar
    pad_attack_s: float
    pad_detune_cents: float
    pad_gain: float
    arp_steps_per_beat: int
    arp_gain: float
    arp_decay: float  # 1/s, higher is a shorter pluck
    bass_pattern: tuple[float, ...]  # beat offsets of bass notes within a bar
    bass_gain: float
    kick_beats: tuple[float, ...]
    hat_beats: tuple[float, ...]
    boom_on_bar: bool  # a deep hit on each downbeat (cinematic)
    reverb_s: float
    reverb_mix: float


_STYLES: dict[str, _Style] = {
    "grounded": _Style(
        tempo_bpm=92.0,
        scale=_MAJOR_SCALE,
        roots_midi=(48, 50, 53, 55, 45),  # C, D, F, G, A
        progressions=((0, 4, 5, 3), (0, 5, 3, 4), (5, 3, 0, 4), (0, 3, 5, 4)),
        pad_attack_s=0.8,
        pad_detune_cents=7.0,
        pad_gain=0.26,
        arp_steps_per_beat=2,
        arp_gain=0.16,
        arp_decay=5.0,
        bass_pattern=(0.0, 1.5, 2.0, 3.0),
        bass_gain=0.22,
        kick_beats=(0.0, 2.0),
        hat_beats=(0.5, 1.5, 2.5, 3.5),
        boom_on_bar=False,
        reverb_s=1.6,
        reverb_mix=0.25,
    ),
    "cinematic": _Style(
        tempo_bpm=68.0,
        scale=_MINOR_SCALE,
        roots_midi=(45, 50, 52, 48, 43),  # A, D, E, C, G minor
        progressions=((0, 5, 2, 6), (0, 3, 5, 4), (0, 5, 3, 6), (5, 3, 0, 4)),
        pad_attack_s=2.0,
        pad_detune_cents=12.0,
        pad_gain=0.26,
        arp_steps_per_beat=1,
        arp_gain=0.13,
        arp_decay=2.2,
        bass_pattern=(0.0,),
        bass_gain=0.34,
        kick_beats=(),
        hat_beats=(),
        boom_on_bar=True,
        reverb_s=3.2,
        reverb_mix=0.4,
    ),
}
DEFAULT_TONE = "grounded"
TONES: tuple[str, ...] = tuple(_STYLES)

_ARP_PATTERNS = (
    (0, 1, 2, 3, 2, 1, 2, 3),
    (0, 2, 1, 3, 2, 4, 3, 1),
    (0, 1, 2, 4, 3, 2, 1, 2),
    (2, 1, 0, 1, 3, 2, 4, 3),
)


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _envelope(length: int, sample_rate: int, attack_s: float, release_s: float) -> np.ndarray:
    """Linear attack, raised-cosine release at the end, flat between."""
    env = np.ones(length)
    attack = min(length, int(attack_s * sample_rate))
    release = min(length - attack, int(release_s * sample_rate))
    if attack:
        env[:attack] = np.linspace(0.0, 1.0, attack, endpoint=False)
    if release:
        env[length - release :] *= 0.5 * (1 + np.cos(np.linspace(0, np.pi, release)))
    return env


def _warm_tone(freq: float, t: np.ndarray, harmonics: int = 6, rolloff: float = 1.6) -> np.ndarray:
    """A band-limited, softened sawtooth: harmonics fall off faster than a saw's 1/k."""
    phase = 2 * np.pi * freq * t
    two_cos = 2 * np.cos(phase)
    previous, current = np.zeros_like(t), np.sin(phase)
    wave_ = current.copy()
    # sin(kx) by the Chebyshev recurrence: two trig calls instead of one per harmonic.
    for k in range(2, min(harmonics, int(20000 / freq)) + 1):
        previous, current = current, two_cos * current - previous
        wave_ += current / k**rolloff
    return wave_


def _reverb_ir(sample_rate: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Stereo impulse response: decaying noise, darker as it decays, slightly different per side."""
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    decay = np.exp(-6.9 * t / seconds)  # −60 dB at ``seconds``
    ir = rng.standard_normal((2, n)) * decay
    # A running average darkens the tail (cheap one-pole-ish low-pass).
    kernel = np.ones(8) / 8
    ir = np.stack([np.convolve(side, kernel, mode="same") for side in ir])
    ir[:, : int(0.012 * sample_rate)] = 0.0  # pre-delay keeps the dry attack clear
    return ir / np.sqrt((ir**2).sum(axis=1, keepdims=True))


def _with_reverb(dry: np.ndarray, ir: np.ndarray, mix: float) -> np.ndarray:
    """Stereo dry (2, n) → dry + reverb tail, length n + len(ir)."""
    n = dry.shape[1] + ir.shape[1] - 1
    size = 1 << (n - 1).bit_length()
    wet = np.fft.irfft(np.fft.rfft(dry, size) * np.fft.rfft(ir, size), size)[:, :n]
    out = wet * mix
    out[:, : dry.shape[1]] += dry * (1 - mix)
    return out


class _Mixer:
    """A stereo buffer that sounds are overlap-added into, clipped at its end."""

    def __init__(self, length: int) -> None:
        self.buffer = np.zeros((2, length))

    def add(self, sound: np.ndarray, at: int, gain: float = 1.0) -> None:
        if at >= self.buffer.shape[1]:
            return
        end = min(self.buffer.shape[1], at + sound.shape[1])
        self.buffer[:, at:end] += sound[:, : end - at] * gain


def _pan(mono: np.ndarray, position: float) -> np.ndarray:
    """Equal-power pan, position −1 (left) … +1 (right)."""
    angle = (position + 1) * np.pi / 4
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)])


def _chord_notes(style: _Style, root_midi: int, degree: int) -> list[int]:
    """A triad plus the added ninth on ``degree``, voiced around middle C."""
    scale = style.scale
    notes = []
    for step in (0, 2, 4, 8):
        index = degree + step
        notes.append(root_midi + scale[index % 7] + 12 * (index // 7))
    # Keep the voicing in the pad register (G3..F#5) so chords move little from bar to bar.
    return sorted(n + 12 * round((62 - n) / 12) for n in notes)


class _Arranger:
    """Renders one bed: knows the style, the key and the seed's choices."""

    def __init__(self, style: _Style, seed: list[int], sample_rate: int) -> None:
        self.style = style
        self.sr = sample_rate
        self.rng = np.random.default_rng(seed)
        self.root = int(self.rng.choice(style.roots_midi))
        self.progression = style.progressions[int(self.rng.integers(len(style.progressions)))]
        self.arp_pattern = _ARP_PATTERNS[int(self.rng.integers(len(_ARP_PATTERNS)))]
        self.beat = int(round(60.0 / style.tempo_bpm * sample_rate))
        self.bar = self.beat * 4
        self.ir = _reverb_ir(sample_rate, style.reverb_s, self.rng)
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def _timeline(self, seconds: float) -> np.ndarray:
        return np.arange(int(seconds * self.sr)) / self.sr

    # -- sounds (each rendered once, reverb included) -----------------------------------------

    def _pad(self, degree: int) -> np.ndarray:
        key = ("pad", degree)
        if key not in self._cache:
            style = self.style
            length_s = self.bar / self.sr + style.pad_attack_s
            t = self._timeline(length_s)
            left, right = np.zeros_like(t), np.zeros_like(t)
            for note in _chord_notes(style, self.root, degree):
                cents = style.pad_detune_cents / 1200
                left += _warm_tone(_hz(note - cents), t)
                right += _warm_tone(_hz(note + cents), t)
            # Slow tremolo keeps a held chord alive.
            shimmer = 1 + 0.08 * np.sin(2 * np.pi * 0.25 * t)
            env = _envelope(len(t), self.sr, style.pad_attack_s, style.pad_attack_s) * shimmer / 4
            self._cache[key] = _with_reverb(np.stack([left * env, right * env]), self.ir, style.reverb_mix)
        return self._cache[key]

    def _pluck(self, note: int) -> np.ndarray:
        key = ("pluck", note)
        if key not in self._cache:
            t = self._timeline(1.2)
            freq = _hz(note)
            # Sine plus a fast-decaying overtone: an electric-piano/marimba-like pluck.
            tone = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(2 * np.pi * 2 * freq * t) * np.exp(-t * 12)
            env = np.exp(-t * self.style.arp_decay) * _envelope(len(t), self.sr, 0.004, 0.05)
            pan = float(self.rng.uniform(-0.5, 0.5))
            self._cache[key] = _with_reverb(_pan(tone * env, pan), self.ir, self.style.reverb_mix)
        return self._cache[key]

    def _bass(self, note: int) -> np.ndarray:
        key = ("bass", note)
        if key not in self._cache:
            held_s = self.bar / self.sr if len(self.style.bass_pattern) == 1 else self.beat * 1.2 / self.sr
            t = self._timeline(held_s)
            freq = _hz(note)
            tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
            env = _envelope(len(t), self.sr, 0.01, min(0.3, held_s / 2)) * np.exp(-t * 0.8)
            self._cache[key] = _pan(tone * env, 0.0)
        return self._cache[key]

    def _kick(self) -> np.ndarray:
        key = ("kick", 0)
        if key not in self._cache:
            t = self._timeline(0.35)
            sweep = 2 * np.pi * (45 * t + (110 - 45) / 30 * (1 - np.exp(-30 * t)))  # 110 → 45 Hz
            self._cache[key] = _pan(np.sin(sweep) * np.exp(-t * 9), 0.0)
        return self._cache[key]

    def _hat(self) -> np.ndarray:
        key = ("hat", 0)
        if key not in self._cache:
            t = self._timeline(0.08)
            noise = np.diff(self.rng.standard_normal(len(t) + 1))  # differencing = crude high-pass
            self._cache[key] = _with_reverb(_pan(noise * np.exp(-t * 60) * 0.5, 0.25), self.ir, 0.15)
        return self._cache[key]

    def _boom(self) -> np.ndarray:
        key = ("boom", 0)
        if key not in self._cache:
            t = self._timeline(2.5)
            body = np.sin(2 * np.pi * 55 * t) + 0.5 * np.sin(2 * np.pi * 82.5 * t) * np.exp(-t * 3)
            strike = self.rng.standard_normal(len(t)) * np.exp(-t * 40) * 0.3
            dry = (body * np.exp(-t * 1.6) + strike) * _envelope(len(t), self.sr, 0.005, 0.3)
            self._cache[key] = _with_reverb(_pan(dry, 0.0), self.ir, 0.35)
        return self._cache[key]

    # -- arrangement ---------------------------------------------------------------------------

    def render(self, length: int) -> np.ndarray:
        style, mixer = self.style, _Mixer(length)
        bars = -(-length // self.bar)
        for bar in range(bars):
            at = bar * self.bar
            degree = self.progression[bar % len(self.progression)]
            section = self._section(bar, bars)
            mixer.add(self._pad(degree), at, style.pad_gain)
            if "bass" in section:
                bass_note = self.root + style.scale[degree % 7] - (12 if degree >= 4 else 0)
                for offset in style.bass_pattern:
                    mixer.add(self._bass(bass_note), at + int(offset * self.beat), style.bass_gain)
            if "arp" in section:
                self._arpeggiate(mixer, at, degree, bar)
            if "drums" in section:
                for offset in style.kick_beats:
                    mixer.add(self._kick(), at + int(offset * self.beat), 0.45)
                for offset in style.hat_beats:
                    velocity = 0.12 + 0.05 * float(self.rng.random())
                    mixer.add(self._hat(), at + int(offset * self.beat), velocity)
                if style.boom_on_bar and bar % 2 == 0:
                    mixer.add(self._boom(), at, 0.5)
        return mixer.buffer

    def _section(self, bar: int, bars: int) -> set[str]:
        """Build up over the first bars, breathe every 16 bars, thin out for the last two."""
        if bars <= 4:
            return {"bass", "arp"}
        layers = {"bass"} if bar >= 1 else set()
        if bar >= 2:
            layers.add("arp")
        if bar >= 4 and bar % 16 not in (14, 15) and bar < bars - 2:
            layers.add("drums")
        return layers

    def _arpeggiate(self, mixer: _Mixer, at: int, degree: int, bar: int) -> None:
        chord = _chord_notes(self.style, self.root, degree)
        tones = [*chord, *(n + 12 for n in chord)]
        steps = 4 * self.style.arp_steps_per_beat
        step_len = self.bar // steps
        # Every other phrase of 8 bars shifts the pattern, so long beds don't loop audibly.
        shift = (bar // 8) % 2
        for step in range(steps):
            note = tones[self.arp_pattern[(step + shift) % len(self.arp_pattern)] % len(tones)]
            accent = 1.0 if step % self.style.arp_steps_per_beat == 0 else 0.7
            mixer.add(self._pluck(note + 12), at + step * step_len, self.style.arp_gain * accent)


def _fade(audio: np.ndarray, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    length = audio.shape[1]
    fade_in = min(length // 4, int(fade_in_s * sample_rate))
    fade_out = min(length // 3, int(fade_out_s * sample_rate))
    if fade_in:
        audio[:, :fade_in] *= np.linspace(0.0, 1.0, fade_in) ** 2
    if fade_out:
        audio[:, length - fade_out :] *= np.linspace(1.0, 0.0, fade_out) ** 2


def _write_wav_stereo16(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    pcm = np.clip(np.round(audio.T * 32767), -32768, 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())


def style_for(tone: str) -> str:
    """The arrangement used for a request tone; unknown tones get the default (grounded)."""
    key = tone.strip().lower()
    return key if key in _STYLES else DEFAULT_TONE


def render_music(duration_s: float, tone: str, seed: int = 0, sample_rate: int = 44100) -> np.ndarray:
    """The bed as float stereo samples, shape (2, round(duration_s * sample_rate)), peak −3 dBFS."""
    if duration_s <= 0:
        raise ValueError("duration_s must be positive")
    name = style_for(tone)
    # Mixing the tone into the seed makes two tones differ even where their choices coincide.
    arranger = _Arranger(_STYLES[name], [zlib.crc32(name.encode()), seed % 2**32], sample_rate)
    length = int(round(duration_s * sample_rate))
    audio = arranger.render(length)
    _fade(audio, sample_rate, fade_in_s=1.5, fade_out_s=3.0)
    peak = float(np.abs(audio).max())
    if peak > 0:
        audio *= _PEAK / peak
    return audio


def generate_music(duration_s: float, tone: str, out_path: Path, seed: int = 0, sample_rate: int = 44100) -> Path:
    """Write a procedural music bed of exactly ``duration_s`` as 16-bit stereo WAV."""
    _write_wav_stereo16(out_path, render_music(duration_s, tone, seed, sample_rate), sample_rate)
    return out_path


__all__ = ["DEFAULT_TONE", "TONES", "generate_music", "render_music", "style_for"]
