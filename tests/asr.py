"""Speech recognition for tests: Whisper base through faster-whisper, run by the server's own
recogniser (``reelforge.providers.whisper_child``: a clean child process, the model joined once
from its two pip packages, nothing downloaded)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from reelforge.render.ffmpeg import run_ffmpeg


def transcribe(audio: Path, cache_dir: Path, language: str = "en") -> list[tuple[str, float, float]]:
    """(word, start, end) for every recognised word."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mono16k.wav"
        run_ffmpeg(["-i", str(audio), "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(wav)])
        run = subprocess.run(
            [sys.executable, "-m", "reelforge.providers.whisper_child", str(wav), language, str(cache_dir)],
            capture_output=True, text=True, timeout=300, check=True,
        )
    return [(str(w), float(a), float(b)) for w, a, b in json.loads(run.stdout)]


def normalised_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def recovered_share(reference: str, heard: str) -> float:
    """Share of the reference's words found, in order, in what was heard (longest common subsequence)."""
    ref, hyp = normalised_words(reference), normalised_words(heard)
    if not ref:
        return 1.0
    table = [[0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    for i, word in enumerate(ref):
        for j, other in enumerate(hyp):
            table[i + 1][j + 1] = table[i][j] + 1 if word == other else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1] / len(ref)


