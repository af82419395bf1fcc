"""Line breaking never cuts a word or a grapheme cluster: English, Spanish, Thai, Japanese,
Chinese, Korean, plus Arabic and Hindi smoke tests. Breaks are checked against word segmenters
(PyThaiNLP for Thai, pykakasi's dictionary for Japanese) rather than against the code's own."""

from __future__ import annotations

import random

import pykakasi
import pytest
import regex
from pythainlp.tokenize import word_tokenize
from uniseg.graphemecluster import grapheme_cluster_boundaries

from reelforge.text.linebreak import (
    NO_LINE_END,
    NO_LINE_START,
    break_offsets,
    clip_at_break,
    segments,
    thai_words,
    word_spans,
    wrap_to_width,
)
from reelforge.text.typography import FontStack, fit_text

# The examples of issue 17: each of these was cut inside a word on a title card.
ENGLISH = "Precise temperature control for every single brew"
SPANISH = "Control preciso de temperatura para cada taza"
THAI = "ร้านกาแฟใจกลางเมือง กาแฟคั่วสดทุกวัน"
JAPANESE = "駅前のラーメン店で本格的な味をお楽しみください。"
WIDTHS = range(60, 900, 23)


def _line_ends(lines: list[str], text: str) -> list[int]:
    """Offsets in ``text`` where each line but the last ends (spaces between lines skipped)."""
    ends, at = [], 0
    for line in lines[:-1]:
        at = text.index(line, at) + len(line)
        ends.append(at)
    return ends


def _wraps(text: str, language: str) -> list[tuple[list[str], list[int]]]:
    stack = FontStack(None, language, 48)
    out = []
    for width in WIDTHS:
        lines = wrap_to_width(text, stack, width, language)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), lines  # nothing lost or added
        out.append((lines, _line_ends(lines, text)))
    return out


def _space_boundaries(text: str) -> set[int]:
    return {i for i in range(1, len(text)) if text[i - 1] == " " or text[i] == " "}


@pytest.mark.parametrize(("text", "language"), [(ENGLISH, "en"), (SPANISH, "es")])
def test_spaced_languages_break_only_at_spaces(text: str, language: str) -> None:
    allowed = _space_boundaries(text)
    for lines, ends in _wraps(text, language):
        assert set(ends) <= allowed, lines
    # "temperatur / e control": a word wider than the box shrinks the font instead of breaking.
    block = fit_text("temperature control", None, language, 180, 400, 120, min_size=40)
    assert block.lines == ["temperature", "control"] and block.width <= 180


def test_thai_breaks_only_between_dictionary_words() -> None:
    words = word_tokenize(THAI, engine="newmm", keep_whitespace=True)
    allowed, at = set(), 0
    for word in words[:-1]:
        at += len(word)
        allowed.add(at)
    graphemes = set(grapheme_cluster_boundaries(THAI))
    seen: set[int] = set()
    for lines, ends in _wraps(THAI, "th"):
        assert set(ends) <= allowed & graphemes, lines
        assert not any(line.endswith("ใจกลางเ") for line in lines)  # the "ใจกลางเ / มือง"
        seen |= set(ends)
    assert len(seen) >= 3  # it does break, between words


def test_thai_words_are_pythainlps_own_segmentation() -> None:
    """thai_words hands newmm the word list as a set instead of PyThaiNLP's Trie (built in 0.35 s):
    the words must be exactly the ones its default dictionary gives, on text made of dictionary
    words run together, cut at random offsets and mixed with Latin, digits and spaces."""
    from pythainlp.corpus import thai_words as dictionary

    rng = random.Random(7)
    words = sorted(dictionary())
    texts = [THAI, "สวัสดีครับ ผมชื่อสมชาย iPhone 15 ราคา 1,299 บาท"]
    for _ in range(200):
        text = "".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        texts.append(text[rng.randint(0, 3) :] + rng.choice(["", " ok", " 42 ", "ๆ"]))
    for text in texts:
        assert thai_words(text) == list(word_tokenize(text, engine="newmm", keep_whitespace=True)), text


def _japanese_word_interiors(text: str) -> set[int]:
    """Offsets inside the kanji compounds and katakana words pykakasi's dictionary reads as one."""
    interiors, at = set(), 0
    for part in pykakasi.kakasi().convert(text):
        original = part["orig"]
        if len(original) > 1 and regex.fullmatch(r"\p{Han}+|[\p{Katakana}ー]+", original):
            interiors |= set(range(at + 1, at + len(original)))
        at += len(original)
    return interiors


@pytest.mark.parametrize("text", [JAPANESE, "すべては通気性のよいリネンから始まります。毎日がもっと快適に。"])
def test_japanese_breaks_between_phrases_with_kinsoku(text: str) -> None:
    interiors = _japanese_word_interiors(text)
    assert interiors  # the check has words to protect
    seen: set[int] = set()
    for lines, ends in _wraps(text, "ja"):
        assert not set(ends) & interiors, lines
        assert not any(line.startswith(tuple(NO_LINE_START)) for line in lines[1:]), lines
        assert not any(line.endswith(tuple(NO_LINE_END)) for line in lines[:-1]), lines
        seen |= set(ends)
    assert len(seen) >= 3
    assert "ラー" not in segments(JAPANESE, "ja")  # the "ラー / メン店"


def test_kinsoku_keeps_brackets_and_prolonged_sound_marks_attached() -> None:
    text = "「本格」ラーメン、ぜひ！ショッピングモール"
    cuts = set(break_offsets(text, "ja"))
    for index, char in enumerate(text):
        if char in NO_LINE_START:
            assert index not in cuts, char
        if char in NO_LINE_END:
            assert index + 1 not in cuts, char


def test_chinese_breaks_between_words() -> None:
    text = "北京烤鸭是中国最有名的菜之一。"
    pieces = segments(text, "zh")
    assert "北京烤鸭" in pieces and "有名" in pieces  # not 有 / 名
    assert pieces[-1].endswith("。")


def test_korean_breaks_only_at_spaces() -> None:
    text = "한국어 문장입니다 좋아요"
    assert set(break_offsets(text, "ko")) == {4, 10}


@pytest.mark.parametrize(("text", "language"), [("تصميم عصري للمنزل الحديث", "ar"), ("हर दिन ताज़ा कॉफ़ी आपके घर", "hi")])
def test_arabic_and_hindi_break_at_spaces_and_keep_clusters(text: str, language: str) -> None:
    allowed = _space_boundaries(text) & set(grapheme_cluster_boundaries(text))
    for lines, ends in _wraps(text, language):
        assert set(ends) <= allowed, lines


def test_word_spans_give_subtitle_words_not_fragments() -> None:
    # The subtitle cue "กาแฟคั่" / "วสด…" came from cutting Thai every six characters.
    spans = word_spans(THAI)
    words = [THAI[a:b] for a, b in spans]
    assert words == [w for w in word_tokenize(THAI, engine="newmm") if w.strip()]
    assert [JAPANESE[a:b] for a, b in word_spans(JAPANESE, language="ja")][:2] == ["駅前の", "ラーメン店で"]
    assert [ENGLISH[a:b] for a, b in word_spans(ENGLISH)] == ENGLISH.split()


def test_clip_at_break_never_cuts_a_word() -> None:
    assert clip_at_break(JAPANESE, 10, "ja") == "駅前のラーメン店で"
    assert clip_at_break("ร้านกาแฟใจกลางเมือง", 12, "th") == "ร้านกาแฟใจ"
    assert clip_at_break("short", 10) == "short"
