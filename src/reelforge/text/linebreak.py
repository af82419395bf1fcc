"""Line breaking that never cuts a word or a grapheme cluster, in any script.

Where a line may break is decided in layers, each by a kept library:

1. the Unicode line breaking algorithm (UAX #14, ``uniseg``): spaces, hyphens, punctuation and
   the basic "no break before 。" rules;
2. dictionary words where words run together: Thai by PyThaiNLP's ``newmm`` segmenter (its
   dictionary ships in the package), Japanese by BudouX phrases (its model ships in
   the package), Chinese by jieba's dictionary (``rjieba``) — UAX #14 alone allows a break
   between any two ideographs ("ラー / メン店");
   Korean breaks only at spaces (UAX #14 allows any syllable boundary);
3. kinsoku shori: no line starts with closing punctuation, small kana or ー, and none ends with
   an opening bracket;
4. only grapheme cluster boundaries (``uniseg``), so a Thai vowel or a Devanagari sign always stays
   with its consonant.

Lao, Khmer and Myanmar have no packaged dictionary here: their runs are never broken inside.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, Protocol

from uniseg.graphemecluster import grapheme_cluster_boundaries
from uniseg.linebreak import line_break_boundaries

from reelforge.text.languages import normalise_tag
from reelforge.text.scripts import script_of, script_runs

# Kinsoku shori (JIS X 4051, the usual strict set): characters that must not start a line...
NO_LINE_START = frozenset(
    "、。，．,.:;!?！？：；・…‥)）]］}｝」』】〉》〕〗〙〛〞»›"
    "ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ゠〜～"
)
# ...and that must not end one.
NO_LINE_END = frozenset("(（[［{｛「『【〈《〔〖〘〚〝«‹")

_HAN_LIKE = frozenset({"Han", "Hiragana", "Katakana"})


class Measurable(Protocol):
    """Anything that measures a line's advance width in pixels (a Pillow font, a font stack)."""

    def getlength(self, text: str) -> float: ...


# --------------------------------------------------------------------------------------------
# Dictionary segmenters (loaded once, on first use: each costs a few hundred milliseconds)
# --------------------------------------------------------------------------------------------

class _ThaiDictionary:
    """PyThaiNLP's Thai word list as a set, in the one shape ``newmm`` asks of its dictionary: the
    words that start at a position (``prefixes``). Its own ``Trie`` answers the same, but building
    it from the 62 000 words costs 0.35 s of CPU in every process that breaks a Thai line; the set
    is ready at once and answers a subtitle's line in well under a millisecond."""

    def __init__(self, words: frozenset[str]) -> None:
        self._words = frozenset(word.strip() for word in words)  # as Trie.add strips them
        self._lengths = sorted({len(word) for word in self._words if word})

    def __len__(self) -> int:  # word_tokenize and newmm test a dictionary's truth
        return len(self._words)

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """The dictionary's words that ``text`` has at ``start``, shortest first (as Trie's)."""
        room = len(text) - start
        return [
            text[start : start + length]
            for length in self._lengths
            if length <= room and text[start : start + length] in self._words
        ]


@cache
def _thai_tokenize() -> Callable[[str], list[str]]:
    from pythainlp.corpus import thai_words as dictionary_words
    from pythainlp.tokenize import word_tokenize

    dictionary = _ThaiDictionary(dictionary_words())

    def tokenize(text: str) -> list[str]:
        return list(word_tokenize(text, engine="newmm", custom_dict=dictionary, keep_whitespace=True))  # type: ignore[arg-type]  # duck-typed Trie

    return tokenize


@cache
def _japanese_parser() -> Any:  # budoux ships no type hints
    import budoux

    return budoux.load_default_japanese_parser()


def thai_words(text: str) -> list[str]:
    """``text`` cut into Thai dictionary words (spaces and other scripts come back as tokens)."""
    return _thai_tokenize()(text)


def japanese_phrases(text: str) -> list[str]:
    """``text`` cut into BudouX phrases: a word with its particles (``駅前の``, ``ラーメン店で``)."""
    return list(_japanese_parser().parse(text))


def chinese_words(text: str) -> list[str]:
    """``text`` cut into Chinese dictionary words (jieba's dictionary, through ``rjieba``).

    BudouX's Chinese models cut inside words (完|美, 有|名), so Chinese uses a word segmenter."""
    import rjieba

    return list(rjieba.cut(text))


def _han_pieces(run: str, language: str) -> list[str]:
    if normalise_tag(language).startswith("ja") or any(script_of(c) in ("Hiragana", "Katakana") for c in run):
        return japanese_phrases(run)
    return chinese_words(run)


def _cut_offsets(pieces: list[str], start: int) -> set[int]:
    offsets, at = set(), start
    for piece in pieces[:-1]:
        at += len(piece)
        offsets.add(at)
    return offsets


# --------------------------------------------------------------------------------------------
# Break opportunities
# --------------------------------------------------------------------------------------------


def _letter(char: str) -> bool:
    return not char.isspace()


def _runs(text: str) -> list[tuple[str, int, int]]:
    """Script runs, with neighbouring Han, Hiragana and Katakana runs merged into one "Han" run:
    Japanese mixes the three inside one word (ラーメン店), so their joins are no boundaries."""
    runs: list[tuple[str, int, int]] = []
    for script, start, end in script_runs(text):
        if runs and script in _HAN_LIKE and runs[-1][0] == "Han":
            runs[-1] = ("Han", runs[-1][1], end)
        else:
            runs.append(("Han" if script in _HAN_LIKE else script, start, end))
    return runs


@lru_cache(maxsize=4096)
def break_offsets(text: str, language: str = "en") -> tuple[int, ...]:
    """Offsets ``0 < i < len(text)`` where a line of ``text`` may end (before ``text[i]``).

    Each run is segmented by its own script, so a Thai name inside English text still breaks
    between Thai words; ``language`` only decides whether kanji-only text is Japanese or Chinese.
    """
    if len(text) < 2:
        return ()
    allowed = {i for i in line_break_boundaries(text) if 0 < i < len(text)}
    for script, start, end in _runs(text):
        run = text[start:end]
        if script == "Thai":
            tokens = thai_words(run)
            if "".join(tokens) == run:
                allowed |= _cut_offsets(tokens, start)
        elif script in ("Han", "Hangul"):
            # Between two letters of the run a break needs a phrase boundary (CJK) or a space (Korean).
            keep = _cut_offsets(_han_pieces(run, language), start) if script == "Han" else set()
            allowed = {
                i for i in allowed
                if not (start < i < end and _letter(text[i - 1]) and _letter(text[i])) or i in keep
            }
    allowed = {i for i in allowed if text[i] not in NO_LINE_START and text[i - 1] not in NO_LINE_END}
    graphemes = set(grapheme_cluster_boundaries(text))
    return tuple(sorted(allowed & graphemes))


def segments(text: str, language: str = "en") -> list[str]:
    """``text`` cut at every break opportunity; each piece keeps its trailing spaces."""
    cuts = (0, *break_offsets(text, language), len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def word_spans(text: str, start: int = 0, end: int | None = None, language: str = "en") -> list[tuple[int, int]]:
    """Character spans of the words in ``text[start:end]``: whitespace-separated tokens, with
    tokens of scripts written without spaces cut into their dictionary words."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    index = start
    while index < stop:
        while index < stop and text[index].isspace():
            index += 1
        token_end = index
        while token_end < stop and not text[token_end].isspace():
            token_end += 1
        if token_end > index:
            token = text[index:token_end]
            cuts = (0, *_word_cuts(token, language), len(token))
            spans.extend((index + a, index + b) for a, b in zip(cuts, cuts[1:], strict=False))
        index = token_end
    return spans


def _word_cuts(token: str, language: str) -> tuple[int, ...]:
    if not any(script_of(char) in ("Thai", *_HAN_LIKE) for char in token):
        return ()
    return break_offsets(token, language)


def clip_at_break(text: str, max_chars: int, language: str = "en") -> str:
    """The longest start of ``text`` of at most ``max_chars`` characters that ends at a break
    opportunity (at least the first unbreakable piece, so a word is never cut)."""
    if len(text) <= max_chars:
        return text
    fitting = [i for i in break_offsets(text, language) if i <= max_chars]
    return text[: fitting[-1] if fitting else (break_offsets(text, language) or (len(text),))[0]].rstrip()


# --------------------------------------------------------------------------------------------
# Wrapping to a width
# --------------------------------------------------------------------------------------------


def wrap_to_width(text: str, font: Measurable, max_width: float, language: str = "en") -> list[str]:
    """Greedy line filling: as many whole pieces (see :func:`segments`) per line as fit in
    ``max_width`` pixels, measured with ``font``. Hard line breaks in ``text`` are kept.

    A single piece wider than the line gets a line of its own and overflows it rather than being
    cut: callers that must fit (:func:`reelforge.text.typography.fit_text`) shrink the font.
    """
    lines: list[str] = []
    for paragraph in text.splitlines():
        current = ""
        for piece in segments(paragraph.strip(), language):
            candidate = current + piece
            if current and font.getlength(candidate.rstrip()) > max_width:
                lines.append(current.rstrip())
                current = piece
            else:
                current = candidate
        if current.strip():
            lines.append(current.rstrip())
    return lines or [""]
