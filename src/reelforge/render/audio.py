"""Audio for a render: speech over music with sidechain ducking, mixed and measured in a first pass.

The first pass writes the mix to a float WAV and measures it with ebur128 in the same run; the main
render then applies one fixed gain to reach −14 LUFS and a limiter for the −1 dBTP ceiling. Fixed gain
(instead of dynamic loudnorm) keeps the result within a fraction of a LU of the target. The encoded
track is measured once more (``encode_sound``): AAC overshoots the limiter by up to ~1.8 dB on some
mixes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from reelforge.render.ffmpeg import RenderError, run_ffmpeg
from reelforge.render.probe import measure_loudness
from reelforge.sessions.document import AudioLayer

TARGET_LUFS = -14.0
TRUE_PEAK_TARGET_DBTP = -1.0
# Sample-peak ceiling of the limiter: 1 dB under the −1 dBTP target leaves room for inter-sample
# peaks and AAC overshoot.
LIMITER_CEILING_DB = -2.0
SAMPLE_RATE = 48000

_INTEGRATED = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf) LUFS")


@dataclass(frozen=True)
class AudioMix:
    path: Path
    integrated_lufs: float  # -inf for silence
    # What the limiter took off at the plain gain (peaky speech loses loudness to it); added back.
    limiter_loss_db: float = 0.0
    ceiling_db: float = LIMITER_CEILING_DB

    @property
    def gain_db(self) -> float:
        if math.isinf(self.integrated_lufs):
            return 0.0
        return TARGET_LUFS - self.integrated_lufs + self.limiter_loss_db


def _track_chain(index: int, track: AudioLayer, total_s: float) -> str:
    length = track.duration if track.duration is not None else max(0.0, total_s - track.start)
    filters = [
        f"atrim=start={track.offset:.6f}:duration={length:.6f}",
        "asetpts=PTS-STARTPTS",
        f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo",
    ]
    if track.gain_db:
        filters.append(f"volume={track.gain_db:.3f}dB")
    if track.fade_in > 0:
        filters.append(f"afade=t=in:st=0:d={track.fade_in:.3f}")
    if track.fade_out > 0:
        filters.append(f"afade=t=out:st={max(0.0, length - track.fade_out):.3f}:d={track.fade_out:.3f}")
    filters.append(f"adelay=delays={round(track.start * 1000)}:all=1")
    return f"[{index}:a]{','.join(filters)}[t{index}]"


def _bus(labels: list[str], name: str) -> str:
    if len(labels) == 1:
        return f"{labels[0]}anull[{name}]"
    return f"{''.join(labels)}amix=inputs={len(labels)}:normalize=0:duration=longest[{name}]"


def build_mix_graph(tracks: list[AudioLayer], sources: list[Path], total_s: float) -> tuple[list[str], str]:
    """(ffmpeg input args, filter graph ending in [mix]) for ``tracks`` (files ``sources``)."""
    inputs: list[str] = []
    chains: list[str] = []
    speech: list[str] = []
    music: list[str] = []
    for index, (track, source) in enumerate(zip(tracks, sources, strict=True)):
        if track.loop:
            inputs += ["-stream_loop", "-1"]
        inputs += ["-i", str(source)]
        chains.append(_track_chain(index, track, total_s))
        (speech if track.kind == "speech" else music).append(f"[t{index}]")
    if speech and music:
        chains += [
            _bus(speech, "speech"),
            _bus(music, "music"),
            "[speech]asplit=2[voice][key]",
            # Music dips ~10 dB under the voice: fast attack so words are clear, slow release so
            # the bed does not pump between words.
            "[music][key]sidechaincompress=threshold=0.02:ratio=6:attack=15:release=450:makeup=1[ducked]",
            "[ducked][voice]amix=inputs=2:normalize=0:duration=longest[premix]",
        ]
    elif speech or music:
        chains.append(_bus(speech or music, "premix"))
    else:
        inputs += ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
        chains.append(f"[{len(tracks)}:a]anull[premix]")
    chains.append(f"[premix]apad,atrim=end={total_s:.6f},ebur128=framelog=quiet[mix]")
    return inputs, ";\n".join(chains)


def render_mix(
    tracks: list[AudioLayer],
    total_s: float,
    resolve: Callable[[str], Path],
    workdir: Path,
    should_cancel: Callable[[], bool] | None = None,
) -> AudioMix:
    """Mix ``tracks`` to ``workdir/mix.wav`` (48 kHz stereo float) and measure its loudness."""
    args, graph = build_mix_graph(tracks, [resolve(track.source) for track in tracks], total_s)
    script = workdir / "audio.filtergraph"
    script.write_text(graph, encoding="utf-8")
    out = workdir / "mix.wav"
    run = run_ffmpeg(
        [*args, "-/filter_complex", str(script), "-map", "[mix]", "-c:a", "pcm_f32le", "-ar", str(SAMPLE_RATE),
         str(out)],
        should_cancel=should_cancel, partial_outputs=[out], what="audio mix",
    )
    match = _INTEGRATED.search(run.stderr)
    if not match:
        raise RenderError(f"audio mix produced no loudness summary: {run.stderr[-1500:]}")
    value = match.group(1)
    mix = AudioMix(path=out, integrated_lufs=float("-inf") if value == "-inf" else float(value))
    return _calibrated(mix, should_cancel)


# At most this much gain is added back for what the limiter takes: beyond it the mix is peaky
# enough that pushing harder would only flatten it.
MAX_LIMITER_MAKEUP_DB = 4.0


def _calibrated(mix: AudioMix, should_cancel: Callable[[], bool] | None) -> AudioMix:
    """Measure the mastered mix (gain, then limiter) and add back what the limiter took, so the
    output lands on the target loudness rather than under it (one short audio-only pass)."""
    if math.isinf(mix.integrated_lufs):
        return mix
    run = run_ffmpeg(
        ["-i", str(mix.path), "-af", f"{mastering_filter(mix)},ebur128=framelog=quiet", "-f", "null", "-"],
        should_cancel=should_cancel, what="loudness check",
    )
    match = _INTEGRATED.search(run.stderr)
    if not match or match.group(1) == "-inf":
        return mix
    loss = min(max(TARGET_LUFS - float(match.group(1)), 0.0), MAX_LIMITER_MAKEUP_DB)
    return replace(mix, limiter_loss_db=loss)


# A retry aims this far under the true-peak target: the encoder's overshoot moves with the input.
_TRUE_PEAK_MARGIN_DB = 0.3
_ENCODE_ATTEMPTS = 3


def encode_sound(mix: AudioMix, out: Path, encoder_args: list[str],
                 should_cancel: Callable[[], bool] | None = None) -> AudioMix:
    """Master ``mix`` and encode it to ``out`` (MP4 audio) aiming at the −1 dBTP target, in at most
    ``_ENCODE_ATTEMPTS`` encodes (the last one is kept unmeasured); the mix as used.

    The limiter holds the samples at ``LIMITER_CEILING_DB``, but the AAC encoder rebuilds the wave
    from its spectrum and overshoots by a varying amount: 0–0.3 dB on most mixes, 1.2 dB on one mix
    of speech and music out of 41 (−0.7 dBTP), 1.8 dB on another at a lower ceiling. So the encoded
    track is measured, and an overshoot re-encodes it with the ceiling lowered by the excess (and the
    limiter's loss made up again, so the loudness stays on target)."""
    for attempt in range(_ENCODE_ATTEMPTS):
        run_ffmpeg(["-i", str(mix.path), "-af", mastering_filter(mix), *encoder_args, "-f", "mp4", str(out)],
                   should_cancel=should_cancel, partial_outputs=[out], what="sound track")
        if math.isinf(mix.integrated_lufs) or attempt + 1 == _ENCODE_ATTEMPTS:
            break
        _, true_peak = measure_loudness(out)
        if not true_peak > TRUE_PEAK_TARGET_DBTP:  # also ends on a NaN peak
            break
        lower = mix.ceiling_db - (true_peak - TRUE_PEAK_TARGET_DBTP) - _TRUE_PEAK_MARGIN_DB
        mix = _calibrated(replace(mix, ceiling_db=lower, limiter_loss_db=0.0), should_cancel)
    return mix


def mastering_filter(mix: AudioMix) -> str:
    """Gain to −14 LUFS, then a peak limiter (no auto-levelling) for the true-peak ceiling."""
    ceiling = 10 ** (mix.ceiling_db / 20)
    return (f"volume={mix.gain_db:.3f}dB,"
            f"alimiter=limit={ceiling:.4f}:attack=2:release=60:level=0:latency=1,"
            f"aresample={SAMPLE_RATE}")


def retempo(src: Path, dst: Path, factor: float) -> None:
    """``src`` played ``factor`` times faster at the same pitch (ffmpeg's atempo, one stage: 0.5-2)."""
    if not 0.5 <= factor <= 2.0:
        raise ValueError(f"tempo factor {factor} outside atempo's single-stage range 0.5-2")
    run_ffmpeg(["-i", str(src), "-af", f"atempo={factor:.5f}", "-c:a", "pcm_s16le", str(dst)], what="speech tempo")
