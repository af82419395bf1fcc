"""Stage transcript_generation: subtitle cues timed to the narration's word events.

A sentence too long for one cue is cut where a reader expects a pause, as subtitle style guides
ask: after a comma, else before a word that opens a phrase ("of", "that", "para"), never right after
one ("our", "the", "de"), and not leaving one word alone. Every way of cutting the sentence into cues
that fit is scored and the cheapest kept (a small dynamic programme: sentences are a few dozen words).
The phrase openers of each language live with the language (text/languages.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from reelforge.stages.outputs import Cue, SpeechOutput, TranscriptOutput
from reelforge.text.languages import language as language_row

MAX_WORDS = 6
MAX_CUE_S = 2.8
MAX_CHARS = 42
UNSPACED_LANGUAGES = ("ja", "zh", "th")  # words are written without spaces between them
SENTENCE_END = (".", "!", "?", "。", "！", "？")
PAUSE_MARKS = (",", ";", ":", "—", "–", "、", "，", "；", "：")

# Costs of a cut after a word (the sentence's end is free): each cue costs CUT, so fewer cues win
# unless a better place to cut exists; where to cut, from best to worst:
CUT = 1.0
AFTER_PAUSE = -0.8  # "matters, | like": a comma or the like, where the narrator breathes
BEFORE_OPENER = -0.5  # "a perfect cup | of coffee": a phrase starts with "of", "that", "and"…
BETWEEN_CONTENT_WORDS = 0.5  # "perfect | cup": likely inside a phrase
AFTER_OPENER = 1.5  # "like our | new ceramic": the phrase is torn
LONE_WORD = 1.0  # a cue of one word in a sentence of several

Word = tuple[str, float, float]  # text, start, end (seconds)


def _fits(words: Sequence[Word], joiner: str) -> bool:
    return (len(words) <= MAX_WORDS and words[-1][2] - words[0][1] <= MAX_CUE_S
            and len(joiner.join(w[0] for w in words)) <= MAX_CHARS)


def _opens_phrase(word: str, openers: frozenset[str]) -> bool:
    return word.lower().strip("\"'“”‘’()") in openers


def _cut_cost(word: str, following: str, openers: frozenset[str]) -> float:
    """The cost of cutting between ``word`` and the ``following`` one."""
    if word.endswith(PAUSE_MARKS):
        return CUT + AFTER_PAUSE
    if not openers:  # no phrase openers known for the language: only pauses tell
        return CUT
    if _opens_phrase(word, openers):
        return CUT + AFTER_OPENER
    if _opens_phrase(following, openers):
        return CUT + BEFORE_OPENER
    return CUT + BETWEEN_CONTENT_WORDS


def _split_sentence(words: Sequence[Word], joiner: str, openers: frozenset[str]) -> list[Sequence[Word]]:
    """The cheapest cutting of one sentence into cues that fit (a single word always "fits")."""
    n = len(words)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n  # cost, start of the last cue
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            cue = words[start:end]
            if len(cue) > 1 and not _fits(cue, joiner):
                break  # longer cues ending here only get longer
            cost = best[start][0]
            if end < n:
                cost += _cut_cost(words[end - 1][0], words[end][0], openers)
            if len(cue) == 1 and n > 1:
                cost += LONE_WORD
            if cost < best[end][0]:
                best[end] = (cost, start)
    cues: list[Sequence[Word]] = []
    end = n
    while end > 0:
        start = best[end][1]
        cues.append(words[start:end])
        end = start
    return cues[::-1]


def _sentences(words: Sequence[Word]) -> list[Sequence[Word]]:
    out: list[Sequence[Word]] = []
    start = 0
    for i, word in enumerate(words):
        if word[0].endswith(SENTENCE_END):
            out.append(words[start:i + 1])
            start = i + 1
    if start < len(words):
        out.append(words[start:])
    return out


def cues_from_words(words: Sequence[Word], joiner: str = " ", openers: frozenset[str] = frozenset()) -> list[Cue]:
    """Group timed words into short cues (relative to the scene start), a sentence at a time."""
    cues = [
        Cue(text=joiner.join(w[0] for w in cue).strip(), start=cue[0][1], end=cue[-1][2])
        for sentence in _sentences(words)
        for cue in _split_sentence(sentence, joiner, openers)
    ]
    # Close gaps so captions don't flicker off between cues of one sentence.
    for a, b in zip(cues, cues[1:], strict=False):
        if b.start - a.end < 0.35:
            a.end = b.start
    return cues


def transcribe(speech: SpeechOutput, language: str) -> TranscriptOutput:
    joiner = "" if language in UNSPACED_LANGUAGES else " "
    openers = language_row(language).phrase_openers
    return TranscriptOutput(cues=[cues_from_words(track.words, joiner, openers) for track in speech.speech])
