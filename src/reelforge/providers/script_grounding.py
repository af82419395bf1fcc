"""What the inputs themselves say, for a script grounded in them: the text printed on each image
(its OCR lines), the price when one is printed, and the subject of a prompt that is a request
for an ad ("a 20-second ad for Brewmate") rather than a description of one.

The script writer turns these into scene lines; nothing here invents content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# A price as printed on a product shot: a currency sign or code next to a number.
_PRICE = re.compile(
    r"(?:[$€£¥₹₩฿]\s?\d[\d.,]*(?:\s?(?:USD|EUR|GBP))?"
    r"|\d[\d.,]*\s?(?:[$€£¥₹₩฿]|USD|EUR|GBP|THB|JPY|บาท|円|元|kr|zł))",
    re.IGNORECASE,
)
# A link: a scheme or www., a common TLD, or a whole line that is a host name (any TLD).
_URLISH = re.compile(
    r"(?:https?://|www\.)|\b[\w-]+\.(?:com|net|org|io|co|shop|store|app)\b|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?$",
    re.IGNORECASE,
)
# "a 20-second ad for", "make a short promo video about", "create an Instagram reel promoting" …
_AD_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:make|create|write|generate|produce|give me)\s+)?(?:an?\s+|the\s+)?"
    r"(?:(?:\d+[\s-]*(?:s|sec|secs|second|seconds)|short|quick|vertical|square|social|instagram|tiktok|"
    r"youtube|promotional|marketing|launch|product)[\s-]+)*"
    r"(?:(?:video|ad|advert|advertisement|commercial|promo|reel|spot|clip|teaser|trailer)s?[\s-]+)+"
    r"(?:for|about|of|promoting|showing|showcasing|introducing|on)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PrintedText:
    """The text printed on one image, read top to bottom."""

    lines: tuple[str, ...] = ()
    price: str | None = None
    headline: str | None = None  # the first line that is words, not a price or a link
    words: tuple[str, ...] = field(default=())


def _speakable(line: str) -> str:
    """All-caps print reads as words, not letter by letter: "OAT MILK LATTE" → "Oat Milk Latte".
    A lone capitalised word among lower-case ones keeps its capitals (an acronym: "USB-C cable")."""
    if not line.isupper() or len(line.split()) < 2:
        return line
    return " ".join(w.capitalize() if w.isalpha() and len(w) >= 3 else w for w in line.split())


def printed_text(lines: Sequence[str]) -> PrintedText:
    """Sort one image's OCR lines into a price, a headline and the other words worth saying."""
    clean = [" ".join(line.split()) for line in lines if line and line.strip()]
    price = next((m.group(0).strip() for line in clean if (m := _PRICE.search(line))), None)
    wordy = [
        _speakable(line)
        for line in clean
        if not _URLISH.search(line) and len(re.findall(r"[^\W\d_]", line)) >= 3 and not _PRICE.fullmatch(line)
    ]
    words = tuple(dict.fromkeys(w.lower() for line in wordy for w in re.findall(r"[^\W\d_]{3,}", line)))
    return PrintedText(lines=tuple(clean), price=price, headline=wordy[0] if wordy else None, words=words)


def ad_subject(prompt: str) -> str | None:
    """The thing a request-for-an-ad prompt is about ("a 20-second ad for Brewmate, …" → "Brewmate"),
    or None when the prompt describes its content directly."""
    match = _AD_REQUEST.match(prompt)
    if not match:
        return None
    rest = prompt[match.end():].strip()
    subject = re.split(r"[,.;:!?]|\s(?:with|that|which|featuring|in|at|showing)\s", rest, maxsplit=1)[0].strip()
    return subject or None


def ad_remainder(prompt: str) -> str:
    """``prompt`` without its request-for-an-ad opening and subject (what is left describes it)."""
    match = _AD_REQUEST.match(prompt)
    if not match:
        return prompt
    rest = prompt[match.end():].strip()
    parts = re.split(r"([,.;:!?]|\s(?:with|that|which|featuring|showing)\s)", rest, maxsplit=1)
    return "".join(parts[2:]).strip() if len(parts) > 2 else ""
