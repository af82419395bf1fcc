"""Which writing system a character or a text is in, from the Unicode Script property.

The property comes from the ``regex`` module's ``\\p{Script=…}`` and ``\\p{Script_Extensions=…}``
classes (kept current with each Unicode release), so there is no hand-written table of code
point ranges to drift out of date.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import regex

# The scripts the project tells apart (Script property values, long names as Unicode spells them).
# Order matters for shared characters: CJK punctuation lists Hangul too, and goes to kana first.
KNOWN_SCRIPTS: tuple[str, ...] = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Thai", "Lao", "Khmer", "Myanmar",
    "Hiragana", "Katakana", "Han", "Hangul",
)
# Scripts written without spaces between words: line breaks need a dictionary, not spaces.
SPACELESS_SCRIPTS = frozenset({"Thai", "Lao", "Khmer", "Myanmar", "Han", "Hiragana", "Katakana"})
# Characters that take the script of their neighbours (spaces, digits, punctuation, marks).
COMMON = "Common"
INHERITED = "Inherited"
OTHER = "Other"

_SCRIPT = regex.compile("|".join(f"(?P<{name}>\\p{{Script={name}}})" for name in (*KNOWN_SCRIPTS, COMMON, INHERITED)))
_EXTENSION = regex.compile("|".join(f"(?P<{name}>\\p{{Script_Extensions={name}}})" for name in KNOWN_SCRIPTS))


@cache
def script_of(char: str) -> str:
    """The Script property of ``char``: one of :data:`KNOWN_SCRIPTS`, ``Common``, ``Inherited`` or
    ``Other`` (a script the project does not distinguish)."""
    match = _SCRIPT.match(char)
    return (match.lastgroup or OTHER) if match else OTHER


@cache
def font_script_of(char: str) -> str | None:
    """The script whose font should draw ``char``: its own script, or for shared characters
    (「 。 ー are ``Common``) the first known script in its Script_Extensions; ``None`` when any
    font will do (spaces, digits, Latin punctuation)."""
    script = script_of(char)
    if script not in (COMMON, INHERITED):
        return script
    match = _EXTENSION.match(char)
    return match.lastgroup if match else None


def script_counts(text: str) -> Counter[str]:
    """How many characters of ``text`` each known script has (shared characters not counted)."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script in KNOWN_SCRIPTS:
            counts[script] += 1
    return counts


def has_script(text: str, *scripts: str) -> bool:
    """Whether any character of ``text`` is in one of ``scripts``."""
    return any(script_of(char) in scripts for char in text)


def script_runs(text: str) -> list[tuple[str, int, int]]:
    """``(script, start, end)`` runs of ``text``; shared characters (spaces, digits, marks,
    punctuation) join the run before them, or the first run when they lead the text."""
    runs: list[list[str | int]] = []
    for index, char in enumerate(text):
        script = script_of(char)
        shared = script in (COMMON, INHERITED, OTHER)
        if runs and (shared or runs[-1][0] == script):
            runs[-1][2] = index + 1
        elif runs and runs[-1][0] == COMMON:  # leading shared characters take the first real script
            runs[-1][0], runs[-1][2] = script, index + 1
        else:
            runs.append([COMMON if shared else script, index, index + 1])
    return [(str(script), int(start), int(end)) for script, start, end in runs]
