"""The sound track's mastering: the encoded AAC track stays under the −1 dBTP target even where the
encoder overshoots the sample limiter (a click train over a tone: −0.3 dBTP encoded plainly)."""

from __future__ import annotations

from pathlib import Path

from reelforge.render import audio
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.probe import measure_loudness
from reelforge.render.timeline import audio_encoder_args
from reelforge.sessions.document import AudioLayer

CLICKS_OVER_A_TONE = "if(lt(mod(t*30\\,1)\\,0.003)\\,0.9\\,0)+0.2*sin(2*PI*300*t)"


def test_encoded_sound_stays_under_the_true_peak_target_where_aac_overshoots(tmp_path: Path) -> None:
    source = tmp_path / "clicks.wav"
    run_ffmpeg(["-f", "lavfi", "-i", f"aevalsrc={CLICKS_OVER_A_TONE}:s=48000:d=4", "-ac", "2", str(source)])
    mix = audio.render_mix([AudioLayer(id="clicks", kind="music", source="clicks", start=0.0)], 4.0,
                           lambda _: source, tmp_path)

    plain = tmp_path / "plain.m4a"  # mastered once and encoded, as every render did before
    run_ffmpeg(["-i", str(mix.path), "-af", audio.mastering_filter(mix), *audio_encoder_args(), "-f", "mp4",
                str(plain)])
    _, plain_peak = measure_loudness(plain)
    assert plain_peak > audio.TRUE_PEAK_TARGET_DBTP  # the overshoot this guards against is real here

    checked = tmp_path / "checked.m4a"
    used = audio.encode_sound(mix, checked, audio_encoder_args())
    loudness, peak = measure_loudness(checked)
    assert peak <= audio.TRUE_PEAK_TARGET_DBTP
    assert used.ceiling_db < audio.LIMITER_CEILING_DB
    assert abs(loudness - audio.TARGET_LUFS) <= 1.5  # the limiter's loss is made up again
