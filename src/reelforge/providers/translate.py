"""Translating the short texts a client writes on cards (CTA lines, footer titles).

Offline, reelforge translates what its own script templates say: every intent's CTA lines and
titles exist in all supported languages (``script_templates.json``), so a client line that is one
of them ("Scan to book", "Shop now") is translated by looking it up, the same path that re-writes
generated text in another language. Hosts, URLs and numbers are the same in every language. With
an OpenAI-compatible endpoint configured, anything else goes to the chat model. A text neither
can translate is ``None``: the caller refuses with a 400 naming the field rather than draw a card
in the wrong language or an empty one.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache
from typing import Protocol

from reelforge.providers.openai_compat import ProviderError
from reelforge.providers.script import ChatClient, load_templates
from reelforge.text.languages import language as language_row

log = logging.getLogger(__name__)

_NEUTRAL = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?|[\d\s.,:%+/$€£¥-]+", re.IGNORECASE)


class TextTranslator(Protocol):
    label: str

    def translate(self, text: str, language: str) -> str | None:
        """``text`` in ``language``, or None when it cannot be translated."""
        ...


def _norm(text: str) -> str:
    kept = (ch for ch in unicodedata.normalize("NFKC", text).casefold() if not unicodedata.category(ch).startswith("P"))
    return " ".join("".join(kept).split())


@cache
def _phrasebook() -> dict[str, dict[str, str]]:
    """Normalised phrase (in any language) -> the same template slot in every language."""
    packs = load_templates()
    book: dict[str, dict[str, str]] = {}
    first = next(iter(packs.values()))
    for intent, slots in first["intents"].items():
        rows: list[dict[str, str]] = [
            {lang: str(pack["intents"][intent][slot]) for lang, pack in packs.items()}
            for slot in ("top_plain", "title")
        ]
        for i, sentence in enumerate(slots["cta"]):
            if "{" not in sentence:
                rows.append({lang: str(pack["intents"][intent]["cta"][i]) for lang, pack in packs.items()})
        for row in rows:
            for phrase in row.values():
                book.setdefault(_norm(phrase), row)
    return book


def is_language_neutral(text: str) -> bool:
    return bool(_NEUTRAL.fullmatch(text.strip()))


class PhrasebookTranslator:
    label = "LOCAL (template phrasebook)"

    def translate(self, text: str, language: str) -> str | None:
        if is_language_neutral(text):
            return text
        row = _phrasebook().get(_norm(text))
        return row.get(language) if row else None


class ChatTranslator:
    """The phrasebook first (exact, free), then the chat model."""

    def __init__(self, client: ChatClient, model: str) -> None:
        self.client = client
        self.model = model
        self.label = f"OPENAI {model}"
        self.offline = PhrasebookTranslator()

    def translate(self, text: str, language: str) -> str | None:
        found = self.offline.translate(text, language)
        if found is not None:
            return found
        target = language_row(language).name
        messages = [
            {
                "role": "system",
                "content": f"Translate the user's short marketing text into {target}. Keep it as short as the "
                'original. Reply with JSON: {"text": "<translation>"}.',
            },
            {"role": "user", "content": text},
        ]
        try:
            payload = self.client.chat_json(messages, self.model)
        except ProviderError as exc:
            log.warning("chat model %r could not translate %r: %s", self.model, text, exc)
            return None
        out = payload.get("text")
        return out.strip() if isinstance(out, str) and out.strip() else None
