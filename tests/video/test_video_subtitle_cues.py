"""Subtitle cues cut where a reader expects a pause (stages/video_subtitles.py), in process."""

from __future__ import annotations

from reelforge.stages.video_subtitles import MAX_CHARS, MAX_CUE_S, MAX_WORDS, cues_from_words
from reelforge.text.languages import language

EN = language("en").phrase_openers


def timed(text: str, step: float = 0.3) -> list[tuple[str, float, float]]:
    return [(word, i * step, i * step + step * 0.9) for i, word in enumerate(text.split())]


def texts(text: str, openers: frozenset[str] = EN) -> list[str]:
    return [cue.text for cue in cues_from_words(timed(text), " ", openers)]


def test_a_long_sentence_is_cut_at_its_comma_not_inside_the_phrase() -> None:
    # The old greedy grouping gave "Every detail matters, like our new" | "ceramic pour-over."
    assert texts("Every detail matters, like our new ceramic pour-over.") == [
        "Every detail matters,", "like our new ceramic pour-over."]


def test_no_cue_ends_on_a_function_word_or_leaves_a_word_alone() -> None:
    sentence = "Our ceramic pour-over brews a perfect cup of coffee for you every single morning."
    cues = cues_from_words(timed(sentence), " ", EN)
    assert " ".join(c.text for c in cues) == sentence
    for cue in cues:
        words = cue.text.split()
        assert len(words) <= MAX_WORDS and len(cue.text) <= MAX_CHARS, cue
        assert len(words) > 1, cues
        assert words[-1].lower().strip(".") not in EN or cue is cues[-1], [c.text for c in cues]


def test_sentences_never_share_a_cue_and_short_ones_stay_whole() -> None:
    assert texts("Hello there. Buy it now!") == ["Hello there.", "Buy it now!"]


def test_a_slow_narration_is_cut_by_time() -> None:
    cues = cues_from_words(timed("Slowly we pour the water over fresh grounds", step=1.0), " ", EN)
    # A cue lasts at most MAX_CUE_S, plus the gap to the next cue it is stretched over (< 0.35 s).
    assert all(c.end - c.start <= MAX_CUE_S + 0.35 for c in cues) and len(cues) >= 3


def test_unspaced_words_join_without_spaces() -> None:
    tokens = ["毎朝", "の", "コーヒー", "を", "もっと", "おいしく", "。"]
    words = [(w, i * 0.2, i * 0.2 + 0.18) for i, w in enumerate(tokens)]
    cues = cues_from_words(words, "", frozenset())
    assert "".join(c.text for c in cues) == "毎朝のコーヒーをもっとおいしく。"
    assert all(len(c.text) <= MAX_CHARS for c in cues)
