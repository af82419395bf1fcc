"""The languages reelforge writes, speaks and draws: one table, the only list of them.

Each row says how the language is written (script, word spacing, direction), spoken (its
espeak-ng voice) and drawn (its font families, best first). The API's language choices, the
script writer, the speech providers, the font resolver and line breaking all read this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reelforge.text.scripts import script_counts

_CJK_SC = ("Noto Sans CJK SC", "Noto Sans CJK TC")
_CJK_TC = ("Noto Sans CJK TC", "Noto Sans CJK SC")
LATIN_FONTS: tuple[str, ...] = ("Poppins", "Montserrat")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as the API spells it
    name: str  # English name, as a chat model is told it
    scripts: tuple[str, ...]  # Unicode Script values of its letters; the first identifies the language
    espeak_voice: str  # espeak-ng voice name
    fonts: tuple[str, ...]  # font families that draw it, best first (installed ones are used)
    word_spacing: bool = True  # False: words run together (line breaks need a dictionary)
    rtl: bool = False  # written right to left
    # A few distinctive function words: enough to tell Latin-script languages apart in a prompt.
    stopwords: frozenset[str] = field(default=frozenset(), repr=False)
    # Words that open a phrase (articles, possessives, prepositions, conjunctions): a subtitle cue
    # may start with one but should not end on one (stages/video_subtitles.py).
    phrase_openers: frozenset[str] = field(default=frozenset(), repr=False)


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", ("Latin",), "en-us", LATIN_FONTS,
             stopwords=_words("the and of to in for with is on your this that our you are"),
             phrase_openers=_words("a an the our your my their its his her this these those of to in on at "
                                  "for with by from into about and or but as than that which who")),
    Language("es", "Spanish", ("Latin",), "es", LATIN_FONTS,
             stopwords=_words("el los las del que y en una para con por es su más nuestro tu"),
             phrase_openers=_words("el la los las un una unos unas lo al del de a en con por para sin "
                                  "sobre entre y e o u pero que su sus nuestro nuestra nuestros nuestras "
                                  "tu tus mi mis")),
    Language("fr", "French", ("Latin",), "fr", LATIN_FONTS,
             stopwords=_words("le les des du et est une pour avec dans sur au aux vous notre"),
             phrase_openers=_words("le la les un une des du de à au aux en dans sur avec pour par "
                                  "sans et ou mais que qui notre nos votre vos mon ma mes son sa ses leur "
                                  "leurs ce cette ces")),
    Language("de", "German", ("Latin",), "de", LATIN_FONTS,
             stopwords=_words("der die das und ist mit für ein eine nicht auf dem den zu unser"),
             phrase_openers=_words("der die das den dem des ein eine einen einem einer eines und oder aber "
                                  "mit für von zu auf in im an am bei aus nach unser unsere ihr ihre dein "
                                  "deine mein meine sein seine dass")),
    Language("pt", "Portuguese", ("Latin",), "pt-br", LATIN_FONTS,
             stopwords=_words("os as do da dos das em um uma para com não você nosso"),
             phrase_openers=_words("o a os as um uma uns umas do da dos das de em no na nos nas com por "
                                  "para sem e ou mas que nosso nossa seu sua")),
    Language("it", "Italian", ("Latin",), "it", LATIN_FONTS,
             stopwords=_words("il lo gli della del è per con una un che di sono nostro"),
             phrase_openers=_words("il lo la i gli le un una uno del della dei delle di a da in con su per "
                                  "tra fra e o ma che nostro nostra suo sua")),
    Language("nl", "Dutch", ("Latin",), "nl", LATIN_FONTS,
             stopwords=_words("het een en van voor met op niet je wij dat onze")),
    Language("sv", "Swedish", ("Latin",), "sv", LATIN_FONTS,
             stopwords=_words("och att det som ett för med är på av inte den vår")),
    # Poppins ships Devanagari glyphs too.
    Language("hi", "Hindi", ("Devanagari",), "hi", ("Noto Sans Devanagari", "Poppins")),
    Language("ar", "Arabic", ("Arabic",), "ar", ("Noto Sans Arabic",), rtl=True),
    Language("ru", "Russian", ("Cyrillic",), "ru", ("Montserrat",)),  # Poppins has no Cyrillic
    Language("ja", "Japanese", ("Hiragana", "Katakana", "Han"), "ja", ("Noto Sans CJK JP",), word_spacing=False),
    Language("ko", "Korean", ("Hangul", "Han"), "ko", ("Noto Sans CJK KR",)),
    Language("th", "Thai", ("Thai",), "th", ("Noto Sans Thai",), word_spacing=False),
    Language("zh", "Simplified Chinese", ("Han",), "cmn", _CJK_SC, word_spacing=False),
)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(BY_CODE)
DEFAULT_LANGUAGE = "en"

# Regional tags accepted where a language key is (the roll-up ``font_key``): tag → (language, fonts).
REGIONAL_VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{tag: ("zh", _CJK_SC) for tag in ("zh-cn", "zh-hans", "zh-sg")},
    **{tag: ("zh", _CJK_TC) for tag in ("zh-tw", "zh-hant", "zh-hk")},
}


def normalise_tag(tag: str) -> str:
    """``"en_US "`` → ``"en-us"``."""
    return tag.strip().lower().replace("_", "-")


def find_language(tag: str) -> Language | None:
    """The table's row for a language tag: a code (``en``), a regional variant (``zh-tw``) or any
    tag whose primary subtag is a code (``en-US``, ``pt-BR``); ``None`` when there is none."""
    code = normalise_tag(tag)
    if code in REGIONAL_VARIANTS:
        code = REGIONAL_VARIANTS[code][0]
    return BY_CODE.get(code) or BY_CODE.get(code.split("-")[0])


def language(code: str) -> Language:
    """The row for ``code`` (see :func:`find_language`); unknown tags and ``auto`` get English's."""
    return find_language(code) or BY_CODE[DEFAULT_LANGUAGE]


def font_families(tag: str) -> tuple[str, ...]:
    """Font families for a language tag, best first; a regional variant's own order wins."""
    variant = REGIONAL_VARIANTS.get(normalise_tag(tag))
    return variant[1] if variant else language(tag).fonts


def language_for_script(script: str) -> str | None:
    """The language a script most likely means: the one it identifies (Han → zh, Hangul → ko),
    else the first language written in it (Katakana → ja); ``None`` for unknown scripts."""
    for row in LANGUAGES:
        if row.scripts[0] == script:
            return row.code
    return next((row.code for row in LANGUAGES if script in row.scripts), None)


_LATIN_TOKEN = re.compile(r"[a-zà-ÿ]+")


def detect_language(text: str) -> str:
    """Guess the language code of ``text`` from its script; Latin text falls back to English
    unless its function words clearly point to another Latin-script language."""
    counts = script_counts(text)
    if counts["Hiragana"] or counts["Katakana"]:
        return "ja"  # kanji alone is ambiguous; kana only occurs in Japanese
    non_latin = {script: n for script, n in counts.items() if script != "Latin" and language_for_script(script)}
    if non_latin:
        return language_for_script(max(non_latin, key=lambda script: non_latin[script])) or DEFAULT_LANGUAGE
    tokens = _LATIN_TOKEN.findall(text.lower())
    scores = {row.code: sum(token in row.stopwords for token in tokens) for row in LANGUAGES if row.stopwords}
    best = max(scores, key=lambda code: scores[code])
    ranked = sorted(scores.values(), reverse=True)
    if best != DEFAULT_LANGUAGE and scores[best] >= 2 and ranked[0] > ranked[1]:
        return best
    return DEFAULT_LANGUAGE
