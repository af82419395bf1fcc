"""Script detection from the Unicode Script property, and the one language table."""

from __future__ import annotations

import pytest

from reelforge.text.fonts import fonts_by_language, resolve_font
from reelforge.text.languages import (
    LANGUAGES,
    SUPPORTED_LANGUAGES,
    detect_language,
    find_language,
    font_families,
    language_for_script,
)
from reelforge.text.scripts import font_script_of, has_script, script_counts, script_of, script_runs


@pytest.mark.parametrize(
    ("char", "script"),
    [("a", "Latin"), ("é", "Latin"), ("ก", "Thai"), ("ั", "Thai"), ("ラ", "Katakana"), ("の", "Hiragana"),
     ("店", "Han"), ("한", "Hangul"), ("م", "Arabic"), ("क", "Devanagari"), ("Ж", "Cyrillic"), ("ລ", "Lao"),
     (" ", "Common"), ("1", "Common"), ("ー", "Common"), ("\u0301", "Inherited")],
)
def test_script_of(char: str, script: str) -> None:
    assert script_of(char) == script


def test_shared_characters_take_a_font_script_from_their_extensions() -> None:
    assert font_script_of("「") == "Hiragana" and font_script_of("ー") == "Hiragana"
    assert font_script_of(" ") is None and font_script_of("ก") == "Thai"


def test_runs_counts_and_membership() -> None:
    text = "Shop ภูเก็ต today!"
    assert script_runs(text) == [("Latin", 0, 5), ("Thai", 5, 12), ("Latin", 12, 18)]
    assert script_runs("2024年") == [("Han", 0, 5)]  # leading digits join the first script
    assert script_counts("ラーメン店") == {"Katakana": 3, "Han": 1}
    assert has_script(text, "Thai") and not has_script(text, "Han")


@pytest.mark.parametrize(
    ("text", "language"),
    [("Fresh coffee every morning for you and your team", "en"), ("El mejor café de la ciudad para ti", "es"),
     ("กาแฟสดคั่วใหม่ทุกเช้า", "th"), ("毎朝焙煎した新鮮なコーヒー", "ja"), ("北京烤鸭", "zh"), ("신선한 커피", "ko"),
     ("قهوة طازجة", "ar"), ("ताज़ा कॉफ़ी", "hi"), ("Свежий кофе", "ru")],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_the_table_is_the_only_language_list() -> None:
    assert tuple(row.code for row in LANGUAGES) == SUPPORTED_LANGUAGES
    assert len(set(SUPPORTED_LANGUAGES)) == 15
    spaceless = {row.code for row in LANGUAGES if not row.word_spacing}
    assert spaceless == {"ja", "th", "zh"}
    assert [row.code for row in LANGUAGES if row.rtl] == ["ar"]
    for script, code in [("Han", "zh"), ("Katakana", "ja"), ("Hangul", "ko"), ("Thai", "th"), ("Latin", "en")]:
        assert language_for_script(script) == code
    assert language_for_script("Lao") is None


def test_tags_variants_and_fonts_come_from_the_table() -> None:
    assert find_language("en_US").code == "en"  # type: ignore[union-attr]
    assert find_language("zh-TW").code == "zh"  # type: ignore[union-attr]
    assert find_language("xx") is None
    assert font_families("zh-tw")[0] == "Noto Sans CJK TC"
    assert resolve_font(None, "zh-tw").family == "Noto Sans CJK TC"
    assert resolve_font(None, "zh").family == "Noto Sans CJK SC"
    table = fonts_by_language()
    for row in LANGUAGES:
        assert table[row.code] and set(table[row.code]) <= set(row.fonts), row.code
