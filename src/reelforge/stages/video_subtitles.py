"""Stage transcript_generation: subtitle cues timed to the narration's word events."""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.stages.outputs import Cue, SpeechOutput, TranscriptOutput

MAX_WORDS = 6
MAX_CUE_S = 2.8
MAX_CHARS = 42
UNSPACED_LANGUAGES = ("ja", "zh", "th")  # words are written without spaces between them


def cues_from_words(words: Sequence[tuple[str, float, float]], joiner: str = " ") -> list[Cue]:
    """Group timed words into short cues (relative to the scene start)."""
    cues: list[Cue] = []
    current: list[tuple[str, float, float]] = []

    def flush() -> None:
        if current:
            text = joiner.join(w[0] for w in current).strip()
            cues.append(Cue(text=text, start=current[0][1], end=current[-1][2]))
            current.clear()

    for word in words:
        if current and (
            len(current) >= MAX_WORDS
            or word[2] - current[0][1] > MAX_CUE_S
            or sum(len(w[0]) + 1 for w in current) + len(word[0]) > MAX_CHARS
        ):
            flush()
        current.append(word)
        if word[0].endswith((".", "!", "?", "。", "！", "？")):
            flush()
    flush()
    # Close gaps so captions don't flicker off between cues of one sentence.
    for a, b in zip(cues, cues[1:], strict=False):
        if b.start - a.end < 0.35:
            a.end = b.start
    return cues


def transcribe(speech: SpeechOutput, language: str) -> TranscriptOutput:
    joiner = "" if language in UNSPACED_LANGUAGES else " "
    return TranscriptOutput(cues=[cues_from_words(track.words, joiner) for track in speech.speech])
