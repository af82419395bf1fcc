"""Script writers: scenes (narration + on-screen title) and CTA texts for a marketing video.

Two writers share one request/result model:

* :class:`TemplateScriptWriter` — offline and deterministic. It first *extracts* language-neutral
  facts (product, brand, features, price, offer, CTA intent, a scene plan) from the prompt,
  metadata and image titles, then *realises* them in a language from the sentence templates in
  ``script_templates.json``. Because the facts are stored in :attr:`Script.structured`, a later
  "translate" step can call :func:`realise` with another language and get the same script
  re-written there without any model. User-supplied values (product names, features) are kept
  verbatim in every language: they cannot be translated without a model.
* :class:`ChatScriptWriter` — asks an OpenAI-compatible chat model for the same JSON shape.
"""

from __future__ import annotations

import json
import logging
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

from pydantic import BaseModel, Field

from reelforge.core.hashing import stable_int
from reelforge.core.urls import url_host
from reelforge.providers.openai_compat import ProviderError
from reelforge.providers.script_grounding import PrintedText, ad_remainder, ad_subject, printed_text
from reelforge.text.languages import BY_CODE, SUPPORTED_LANGUAGES, detect_language
from reelforge.text.linebreak import clip_at_break

log = logging.getLogger(__name__)

CTA_INTENTS: tuple[str, ...] = ("shop", "book", "order", "learn", "download", "signup")
# 2: scenes grounded in what their image prints (``printed``), no filler roles.
FACTS_VERSION = 2

# Speaking rates used to size narration to a scene. Latin-script speech runs ~2.5 words/s; the
# others are measured in the unit that carries one "beat" of speech in that script.
WORDS_PER_SECOND = 2.5
_CHARS_PER_SECOND = {"ja": 7.0, "zh": 4.5, "th": 12.0, "ko": 5.5}
_WORDS_PER_SECOND = {"ar": 2.2, "hi": 2.3, "ru": 2.2}
# Leave a little air at the end of each scene for the crossfade.
_BUDGET_FILL = 0.9
# Beyond three sentences template narration turns into filler; a quieter scene is better.
_MAX_SENTENCES = 3


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class ScriptRequest(BaseModel):
    prompt: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    image_titles: list[str | None] = Field(default_factory=list)
    # Per image, the text printed on it (OCR lines, top to bottom): what each scene can say.
    image_texts: list[list[str]] = Field(default_factory=list)
    n_scenes: int = Field(ge=1)
    language: str = "auto"
    duration_s: float = Field(gt=0)
    tone: str = "grounded"
    cta_url: str | None = None
    want_cta_texts: bool = False


class ScriptScene(BaseModel):
    narration: str
    title: str
    facts: dict[str, Any] = Field(default_factory=dict)
    footer_text: str | None = None  # short per-scene footer CTA, set when CTA texts were asked for


class Script(BaseModel):
    language: str
    scenes: list[ScriptScene]
    cta_text_top: str | None = None
    cta_text_bottom: str | None = None
    structured: dict[str, Any] = Field(default_factory=dict)


class ScriptWriter(Protocol):
    def write(self, req: ScriptRequest) -> Script: ...


class ScriptFormatError(ProviderError):
    """A script (from a model or from stored facts) does not have the expected shape."""


# --------------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _request_text(prompt: str | None, metadata: dict[str, Any], titles: Iterable[str | None]) -> str:
    parts = [prompt or ""]
    parts.extend(value for _, value in _flatten(metadata) if isinstance(value, str))
    parts.extend(title for title in titles if title)
    return " ".join(parts)


def resolve_language(language: str, prompt: str | None, metadata: dict[str, Any],
                     titles: Iterable[str | None] = ()) -> str:
    """The concrete language for a request: ``auto`` (or empty) is detected from its text."""
    code = (language or "auto").strip().lower()
    if code == "auto":
        return detect_language(_request_text(prompt, metadata, titles))
    if code not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected auto or one of {', '.join(SUPPORTED_LANGUAGES)}")
    return code


# --------------------------------------------------------------------------------------------
# Text measures
# --------------------------------------------------------------------------------------------


def _is_cjk_like(language: str) -> bool:
    return language in _CHARS_PER_SECOND


def estimate_speech_seconds(text: str, language: str) -> float:
    """Roughly how long ``text`` takes to speak in ``language`` (used to fit scene lengths)."""
    if language in _CHARS_PER_SECOND:
        # Embedded Latin names ("Linen Travel Shirt", "example.com") are spoken word by word.
        latin_words = _LATIN_WORD.findall(text)
        native = _LATIN_WORD.sub(" ", text)
        if language == "ko":
            units = sum(1 for ch in native if 0xAC00 <= ord(ch) <= 0xD7AF)
        else:
            units = sum(1 for ch in native if not ch.isspace() and unicodedata.category(ch)[0] in "LM")
        return units / _CHARS_PER_SECOND[language] + len(latin_words) / WORDS_PER_SECOND
    return len(text.split()) / _WORDS_PER_SECOND.get(language, WORDS_PER_SECOND)


_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'’\-]*")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ranked(options: Sequence[str], *key: object) -> list[str]:
    """``options`` in a deterministic pseudo-random order keyed by ``key``."""
    return sorted(options, key=lambda option: stable_int(*key, option))


def _short_title(text: str, language: str, max_words: int = 7, max_chars: int = 18) -> str:
    text = text.strip().rstrip(".。!！?？")
    if _is_cjk_like(language) and " " not in text:
        return clip_at_break(text, max_chars, language).rstrip("、，,")
    words = text.split()
    if len(words) <= max_words:
        return text
    # Prefer cutting just before a preposition, so the title stays a complete noun phrase.
    cuts = [i for i in range(2, max_words + 1) if words[i].lower() in _PREPOSITIONS]
    kept = words[: cuts[-1]] if cuts else words[:max_words]
    while len(kept) > 2 and kept[-1].lower() in _DANGLING_WORDS:
        kept.pop()
    return " ".join(kept).rstrip(",;:")


_DANGLING_WORDS = _word_set(
    "a an the of over at in on with and for to by from de la el le les du des der die das und mit "
    "em com para por sur avec con y et e i och med en het van"
)
# Prepositions that separate the "things" in a descriptive prompt ("clouds over a city at dawn").
_PREPOSITIONS = _word_set(
    "of over at in on under through across near by from into above below beside along around "
    "de del sobre en bajo entre sous dans sur über im am unter auf durch do da no na sob em "
    "di del della nel sulla sopra van boven onder op över under på av i"
)


# --------------------------------------------------------------------------------------------
# Fact extraction (language-neutral)
# --------------------------------------------------------------------------------------------

_SUBJECT_KEYS = ("product", "product_name", "productname", "name", "title", "item", "service", "app", "event")
_BRAND_KEYS = ("brand", "company", "store", "shop", "business", "organization", "organisation", "seller")
_FEATURE_KEYS = (
    "features", "feature", "highlights", "benefits", "usp", "usps", "selling_points", "tags", "keywords",
    "material", "materials", "colors", "colours", "color", "colour", "location", "destination", "city",
)
_PRICE_KEYS = ("price", "cost", "pricing")
_OFFER_KEYS = ("offer", "promotion", "promo", "discount", "deal", "campaign", "tagline", "slogan")
_PROJECT_KEYS = ("project", "collection")
_DESCRIPTION_KEYS = ("description", "summary", "about", "details")
_INTENT_KEYS = ("cta", "intent", "cta_intent", "action", "goal")
_IGNORED_KEYS = ("url", "link", "cta_url", "website", "id", "sku", "language", "currency", "image", "logo")

# Matched at the start of a word (a trailing "$" also pins its end: "app" is not "apparel").
_INTENT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("download", ("download", "app$", "apps$", "apps.apple", "play.google", "descarga", "télécharg", "herunterlad")),
    ("signup", ("signup", "sign-up", "sign_up", "register", "join", "subscribe", "newsletter", "waitlist",
                "registr", "inscri", "anmeld")),
    # "travel" is left out: a travel shirt or mug is bought, not booked.
    ("book", ("book$", "booking", "reserv", "hotel", "stay$", "tour$", "tours$", "ticket", "buchen", "trip$",
              "appointment", "salon", "spa$", "class$", "classes$")),
    # Before "shop": a ramen shop or a coffee shop takes orders.
    ("order", ("order", "menu", "restaurant", "ramen", "sushi", "pizza", "burger", "noodle", "bakery", "café",
               "cafe$", "coffee shop", "delivery", "takeaway", "take-away", "meal", "food$", "dish", "bistro",
               "pedido", "commander", "bestell")),
    ("shop", ("shop", "store", "buy", "product", "cart", "checkout", "tienda", "comprar", "boutique",
              "acheter", "kaufen", "loja", "drop", "sale", "launch")),
)


def _mentions(haystack: str, word: str) -> bool:
    pattern = r"\b" + re.escape(word.rstrip("$")) + (r"\b" if word.endswith("$") else "")
    return re.search(pattern, haystack) is not None

_CLAUSE_SPLIT = re.compile(
    r"\s*(?:[,;:，、；：]|\s(?:with|featuring|and|con|y|avec|et|mit|und|com|met|och|med)\s)\s*",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？])\s*|\n+")
_LEADING_ARTICLES = _word_set(
    "a an the un una unos unas le la les une der die das ein eine o os um uma il lo gli de het een en ett"
)


def _norm_key(key: str) -> str:
    return re.sub(r"[\s\-]+", "_", key.strip().lower())


def _flatten(metadata: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(normalised key, value) pairs, descending one level into nested objects."""
    for key, value in metadata.items():
        if isinstance(value, dict):
            for inner_key, inner_value in value.items():
                yield _norm_key(str(inner_key)), inner_value
        else:
            yield _norm_key(str(key)), value


def _as_texts(value: Any) -> list[str]:
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [f"{value:g}"]
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[|•\n;]|,(?!\d)", value) if part.strip()]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _as_texts(item)]
    return []


def _humanise(text: str) -> str:
    """``launch_trailer`` → ``Launch Trailer``; lowercase Latin product names get title case."""
    text = re.sub(r"[_]+", " ", text).strip()
    if text and text == text.lower() and all(ord(ch) < 0x250 for ch in text):
        return " ".join(word[:1].upper() + word[1:] for word in text.split())
    return text


def _clip_words(text: str, max_words: int = 10) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words])


def _lower_leading_article(text: str) -> str:
    first, _, rest = text.partition(" ")
    if rest and first.lower() in _LEADING_ARTICLES and first[:1].isupper():
        return first.lower() + " " + rest
    return text


def _identity(text: str) -> str:
    """What a phrase names, for "was this said already": case, a leading article and punctuation
    aside, so a printed "LINEN TRAVEL SHIRT" is the prompt's "the Linen Travel Shirt"."""
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    return " ".join(words)


def _prompt_clauses(prompt: str) -> list[str]:
    clauses: list[str] = []
    for sentence in _SENTENCE_SPLIT.split(prompt.strip()):
        sentence = sentence.strip().rstrip(".!?。！？")
        clauses.extend(part.strip() for part in _CLAUSE_SPLIT.split(sentence) if part and part.strip())
    return [_clip_words(clause, 12) for clause in clauses if len(clause) > 1]


def _noun_phrases(clause: str) -> list[str]:
    """Split a descriptive clause at prepositions: "clouds over a city at dawn" → [clouds, a city, dawn]."""
    phrases: list[list[str]] = [[]]
    for word in clause.split():
        if word.lower() in _PREPOSITIONS:
            phrases.append([])
        else:
            phrases[-1].append(word)
    return [" ".join(words) for words in phrases if words and " ".join(words).lower() not in _DANGLING_WORDS]


def _sentence_case_to_inline(text: str) -> str:
    """"Packed in a carry-on" reads mid-sentence as "packed in a carry-on"; names keep capitals."""
    words = text.split()
    if len(words) >= 2 and words[0][:1].isupper() and words[0][1:].islower() and all(
        not any(ch.isupper() for ch in word) for word in words[1:]
    ):
        return words[0].lower() + text[len(words[0]):]
    return text


def _first(values: dict[str, list[str]], keys: Sequence[str]) -> str | None:
    for key in keys:
        if values.get(key):
            return values[key][0]
    return None


def _detect_intent(cta_url: str | None, explicit: str | None, context: str, has_price: bool) -> str:
    if explicit and explicit.lower() in CTA_INTENTS:
        return explicit.lower()
    haystacks = [(cta_url or "").lower(), (explicit or "").lower(), context.lower()]
    for haystack in haystacks:
        for intent, words in _INTENT_WORDS:
            if any(_mentions(haystack, word) for word in words):
                return intent
    return "shop" if has_price else "learn"


def cta_host(cta_url: str | None) -> str | None:
    """``https://www.example.com/book?x=1`` → ``example.com`` (what a CTA card prints)."""
    return url_host(cta_url) or None if cta_url else None


def _scene_roles(n_scenes: int, has_features: int, topic_mode: bool, closes_with_cta: bool) -> list[str]:
    """Narrative arc: hook → features/benefits (or moments) → social proof → call to action."""
    if n_scenes == 1:
        return ["hook"]
    closing = ["cta"] if closes_with_cta else ["moment" if topic_mode else "proof"]
    middle_count = n_scenes - 1 - len(closing)
    with_proof = not topic_mode and closes_with_cta and middle_count >= 3
    if with_proof:
        middle_count -= 1
    fillers = ("moment",) if topic_mode else ("benefit",)
    middle: list[str] = []
    features_left = has_features
    for index in range(middle_count):
        # Features first (they are the concrete content), alternating with the filler role.
        if features_left and (index % 2 == 0 or features_left > middle_count - index - 1):
            middle.append("feature")
            features_left -= 1
        else:
            middle.append(fillers[0])
    return ["hook", *middle, *(["proof"] if with_proof else []), *closing]


def extract_facts(req: ScriptRequest, language: str | None = None) -> dict[str, Any]:
    """Language-neutral facts and a scene plan for ``req`` (stored as :attr:`Script.structured`)."""
    values: dict[str, list[str]] = {}
    others: list[str] = []
    for key, value in _flatten(req.metadata):
        texts = _as_texts(value)
        if not texts or key in _IGNORED_KEYS or key.endswith("_url"):
            continue
        values.setdefault(key, []).extend(texts)
        known = (_SUBJECT_KEYS + _BRAND_KEYS + _FEATURE_KEYS + _PRICE_KEYS + _OFFER_KEYS + _PROJECT_KEYS
                 + _DESCRIPTION_KEYS + _INTENT_KEYS)
        if key not in known:
            others.extend(text for text in texts if len(text) <= 60 and not text.startswith("http"))

    prompt = (req.prompt or "").strip()
    # "A 20-second ad for Brewmate, …" asks for an ad: Brewmate is the product, the rest describes it.
    asked_for = ad_subject(prompt)
    if asked_for:
        prompt = ad_remainder(prompt)
    described = _prompt_clauses(prompt) if asked_for and prompt else []  # what the ad is asked to say
    printed = [printed_text(lines) for lines in req.image_texts]
    product = _first(values, _SUBJECT_KEYS) or asked_for
    brand = _first(values, _BRAND_KEYS)
    project = _first(values, _PROJECT_KEYS)
    features: list[str] = [text for key in _FEATURE_KEYS for text in values.get(key, [])]
    for key in _DESCRIPTION_KEYS:
        for text in values.get(key, []):
            features.extend(_prompt_clauses(text))
    features.extend(others)
    features.extend(described)

    subject_kind = "product"
    subject = product or brand or (project and _humanise(project))
    if subject and product:
        subject = _humanise(subject)
    if not subject and prompt:
        clauses = _prompt_clauses(prompt)
        subject, features = _lower_leading_article(clauses[0]), clauses[1:] + features
        subject_kind = "topic"
        if len(features) < req.n_scenes - 2:
            # A one-line prompt still names several things worth a scene each.
            features.extend(_noun_phrases(subject)[1:])
    elif not subject:
        subject = next((t.strip() for t in req.image_titles if t and t.strip()), None) or next(
            (p.headline for p in printed if p.headline), None)

    price = _first(values, _PRICE_KEYS) or next((p.price for p in printed if p.price), None)
    offer = _first(values, _OFFER_KEYS)
    offer = _humanise(offer) if offer and "_" in offer else offer
    excluded = {_identity(v) for v in (subject, brand, offer, price) if v}
    unique_features: list[str] = []
    for feature in features:
        clean = _clip_words(feature.strip().rstrip(".。"))
        if clean and _identity(clean) not in excluded and _identity(clean) not in map(_identity, unique_features):
            unique_features.append(clean)

    host = cta_host(req.cta_url)
    context = " ".join([prompt, *(t for vals in values.values() for t in vals)])
    intent = _detect_intent(req.cta_url, _first(values, _INTENT_KEYS), context, price is not None)
    tone = "cinematic" if req.tone == "cinematic" or "cinematic" in prompt.lower() else "grounded"

    titles = [t.strip() if t and t.strip() else None for t in req.image_titles]
    titled_scenes = sum(1 for i in range(1, max(1, req.n_scenes - 1)) if i < len(titles) and titles[i])
    topic_mode = subject_kind == "topic"
    roles = _scene_roles(req.n_scenes, len(unique_features) + titled_scenes, topic_mode,
                         closes_with_cta=bool(host) or not topic_mode)
    plan = _grounded_plan(roles, titles, printed, unique_features, subject, price)

    seed_material = json.dumps([subject, brand, unique_features, price, offer, prompt, titles], ensure_ascii=False)
    return {
        "version": FACTS_VERSION,
        "subject": subject,
        "subject_kind": subject_kind,
        "brand": brand if brand and brand != subject else None,
        "features": unique_features,
        "price": price,
        "offer": offer,
        "cta_url": req.cta_url,
        "cta_host": host,
        "cta_intent": intent,
        "want_cta_texts": req.want_cta_texts,
        "tone": tone,
        "duration_s": req.duration_s,
        "scenes": plan,
        "seed": stable_int(seed_material) % (2**31),
        "source_language": language,
    }


def _grounded_plan(roles: list[str], titles: list[str | None], printed: list[PrintedText],
                   features: list[str], subject: str | None, price: str | None) -> list[dict[str, Any]]:
    """Per scene, what it says: the text its image prints, else the image's title, else the next
    metadata or prompt fact; a scene with none of these says the price, offer or subject (the
    composer's "fact" role) rather than a stock sentence."""
    plan: list[dict[str, Any]] = []
    queue = list(features)
    said = {_identity(subject)} if subject else set()
    price_scene = next((i for i, p in enumerate(printed) if p.price and p.price == price), None)
    for index, role in enumerate(roles):
        image_title = titles[index] if index < len(titles) else None
        shown = printed[index] if index < len(printed) else PrintedText()
        headline = shown.headline if shown.headline and _identity(shown.headline) not in said else None
        entry: dict[str, Any] = {"index": index, "role": role, "image_title": image_title, "feature": None,
                                 "printed": list(shown.words), "says_price": index == price_scene}
        feature = headline or (image_title if image_title and _identity(image_title) not in said else None)
        if role in ("hook", "cta"):
            entry["feature"] = feature  # said alongside the hook or before the call to action
        elif feature:
            entry["role"], entry["feature"] = "feature", feature  # narrate what the image shows
        elif queue:
            entry["role"], entry["feature"] = "feature", queue.pop(0)
        else:
            entry["role"] = "fact"
        if entry["feature"]:
            said.add(_identity(str(entry["feature"])))
        plan.append(entry)
    return plan


# --------------------------------------------------------------------------------------------
# Realisation (facts + language → script)
# --------------------------------------------------------------------------------------------


@cache
def load_templates() -> dict[str, dict[str, Any]]:
    """The per-language sentence templates (``script_templates.json``)."""
    text = resources.files("reelforge.providers").joinpath("script_templates.json").read_text("utf-8")
    templates: dict[str, dict[str, Any]] = json.loads(text)
    return templates


def _fill(template: str, values: dict[str, str | None]) -> str | None:
    """``template`` with its placeholders filled, or None when one of them has no value."""
    fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    if any(not values.get(name) for name in fields):
        return None
    return template.format(**{name: values[name] for name in fields})


class _SceneComposer:
    """Picks sentences for one script, never repeating a sentence slot within it."""

    def __init__(self, facts: dict[str, Any], language: str) -> None:
        self.facts = facts
        self.language = language
        self.pack = load_templates()[language]
        self.seed = int(facts.get("seed", 0))
        self.used: set[str] = set()
        self.titled: set[str] = set()
        subject = facts.get("subject") or self.pack["generic_subject"]
        self.values: dict[str, str | None] = {
            "subject": subject,
            "brand": facts.get("brand"),
            "price": facts.get("price"),
            "offer": facts.get("offer"),
            "host": facts.get("cta_host"),
        }

    def intent_pack(self) -> dict[str, Any]:
        intent = self.facts.get("cta_intent") or "learn"
        pack: dict[str, Any] = self.pack["intents"].get(intent, self.pack["intents"]["learn"])
        return pack

    def candidates(self, pool: str, scene: int, feature: str | None = None) -> list[tuple[str, str]]:
        """(slot, sentence) pairs of ``pool`` that can be filled, in this scene's order."""
        values = {**self.values, "feature": _sentence_case_to_inline(feature) if feature else None}
        options = self.pack[pool]
        out: list[tuple[str, str]] = []
        for template in _ranked(options, self.seed, self.language, pool, scene):
            sentence = _fill(template, values)
            if sentence is None:
                continue
            # price/offer are said once per script; other slots once per template.
            slot = pool if pool in ("price", "offer") else f"{pool}:{options.index(template)}"
            out.append((slot, sentence))
        return out

    def cta_sentence(self, scene: int) -> tuple[str, str]:
        intent = self.intent_pack()
        if self.values["host"]:
            options = [s for s in (_fill(t, self.values) for t in intent["cta"]) if s]
            return "cta", _ranked(options, self.seed, self.language, "cta", scene)[0]
        # Without a link there is no code to scan: the short CTA is the whole sentence.
        return "cta", intent["title"] + ("" if self.language == "th" else "。" if self.language in ("ja", "zh")
                                        else "।" if self.language == "hi" else ".")

    def _first_unused(self, pool: list[tuple[str, str]]) -> list[tuple[str, str]]:
        fresh = [c for c in pool if c[0] not in self.used]
        return fresh[:1] or pool[:1]

    def compose(self, entry: dict[str, Any], budget_s: float) -> str:
        """One scene's line, built only from facts: its role's sentence (hook, what the image shows,
        the call to action), then — as the budget allows — the price where the image prints it (or
        at the close), the offer; a scene with nothing of its own says the price, offer or subject."""
        role, index, feature = entry["role"], int(entry["index"]), entry.get("feature")
        product = self.facts.get("subject_kind") == "product"
        hooks = self.candidates("hook_product" if product else "hook_topic", index)
        if self.facts.get("tone") == "cinematic":
            hooks = self.candidates("hook_cinematic", index) + hooks
        features = self.candidates("feature", index, feature) if feature else []
        if role == "hook":
            primary = self._first_unused(hooks) + self._first_unused(features)
        elif role == "cta" or features:
            primary = self._first_unused(features)
        else:  # "fact" (and the stock roles of older stored plans): a fact the script has not said yet
            pools = [self.candidates(pool, index) for pool in ("price", "offer")] + [hooks]
            primary = next((c[:1] for c in pools if c and c[0][0] not in self.used), self._first_unused(hooks))
        chosen = list(primary[:1])
        for slot, _ in chosen:
            self.used.add(slot)
        extras = list(primary[1:])
        if entry.get("says_price") or role == "cta":
            extras += self.candidates("price", index)
        if role in ("hook", "cta"):
            extras += self.candidates("offer", index)
        for slot, sentence in extras:
            trial = [*chosen, (slot, sentence)]
            if slot in self.used or len(chosen) >= _MAX_SENTENCES or (
                estimate_speech_seconds(self._join(trial, role), self.language) > budget_s
            ):
                continue
            chosen.append((slot, sentence))
            self.used.add(slot)
        if role == "cta":
            chosen.append(self.cta_sentence(index))
            # The CTA is the scene's point: drop extras, not the CTA, when the budget is short.
            while len(chosen) > 1 and estimate_speech_seconds(self._join(chosen, role), self.language) > budget_s:
                chosen.pop(-2)
        return self._join(chosen, role)

    def _join(self, chosen: list[tuple[str, str]], role: str) -> str:
        sentences = [sentence for _, sentence in chosen]
        return str(self.pack["joiner"]).join(sentences)

    def title(self, entry: dict[str, Any]) -> str:
        role, index = entry["role"], int(entry["index"])
        if role == "hook":
            return _capitalise(_short_title(str(self.values["subject"]), self.language))
        if role == "feature" and entry.get("feature"):
            return _capitalise(_short_title(str(entry["feature"]), self.language))
        if role == "cta":
            return str(self.intent_pack()["title"])
        if role == "fact" and self.values["price"] and self.values["price"] not in self.titled:
            self.titled.add(str(self.values["price"]))
            return str(self.values["price"])
        pool = {"benefit": "title_benefit", "proof": "title_proof"}.get(role, "title_moment")
        return _ranked(self.pack[pool], self.seed, self.language, pool, index)[0]

    def cta_texts(self) -> tuple[str, str | None]:
        intent = self.intent_pack()
        top = _fill(intent["top"], self.values) if self.facts.get("subject") else None
        return top or intent["top_plain"], self.values["host"]

    def footer_text(self, index: int) -> str:
        intent = self.intent_pack()
        return str(intent["top_plain"] if index % 2 == 0 else intent["title"])


def realise(structured: dict[str, Any], language: str) -> Script:
    """Write the script described by ``structured`` (from :func:`extract_facts`) in ``language``."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(SUPPORTED_LANGUAGES)}")
    plan = structured.get("scenes")
    if not isinstance(plan, list) or not plan:
        raise ScriptFormatError("structured script facts have no scene plan")
    composer = _SceneComposer(structured, language)
    default_scene_s = float(structured.get("duration_s") or 5.0 * len(plan)) / len(plan)
    scenes: list[ScriptScene] = []
    for entry in plan:
        budget = float(entry.get("duration_s") or default_scene_s) * _BUDGET_FILL
        narration = composer.compose(entry, budget)
        scenes.append(
            ScriptScene(
                narration=narration,
                title=composer.title(entry),
                facts=dict(entry),
                footer_text=composer.footer_text(int(entry["index"])) if structured.get("want_cta_texts") else None,
            )
        )
    top: str | None = None
    bottom: str | None = None
    if structured.get("want_cta_texts") and structured.get("cta_url"):
        top, bottom = composer.cta_texts()
    return Script(
        language=language,
        scenes=scenes,
        cta_text_top=top,
        cta_text_bottom=bottom,
        structured={**structured, "language": language},
    )


class TemplateScriptWriter:
    """Offline script writer: extract facts, then realise them from the language templates."""

    def write(self, req: ScriptRequest) -> Script:
        language = resolve_language(req.language, req.prompt, req.metadata, req.image_titles)
        return realise(extract_facts(req, language), language)


def write_cta_texts(cta_url: str, metadata: dict[str, Any] | None, language: str,
                    prompt: str | None = None) -> tuple[str, str]:
    """Express CTA texts for an outro card: e.g. ("Scan to shop Linen Travel Shirt", "example.com")."""
    metadata = metadata or {}
    lang = resolve_language(language, prompt, metadata)
    req = ScriptRequest(prompt=prompt, metadata=metadata, n_scenes=1, language=lang, duration_s=5.0,
                        cta_url=cta_url, want_cta_texts=True)
    top, bottom = cta_texts_from_facts(extract_facts(req, lang), lang)
    return top, bottom or cta_url


def cta_texts_from_facts(facts: dict[str, Any], language: str) -> tuple[str, str | None]:
    """The outro's CTA lines for a script's facts, in ``language`` (the top line and the host)."""
    if facts.get("subject_kind") == "topic":
        facts = {**facts, "subject": None}  # a prompt clause makes a poor "Scan to shop …" object
    return _SceneComposer(facts, language).cta_texts()


def write_footer_texts(cta_url: str | None, metadata: dict[str, Any] | None, language: str,
                       n_scenes: int) -> list[str]:
    """Short per-scene footer CTA lines ("Scan to shop", "Shop now", …) for footer cards."""
    metadata = metadata or {}
    lang = resolve_language(language, None, metadata)
    req = ScriptRequest(metadata=metadata, n_scenes=max(1, n_scenes), language=lang, duration_s=5.0,
                        cta_url=cta_url)
    composer = _SceneComposer(extract_facts(req, lang), lang)
    return [composer.footer_text(index) for index in range(n_scenes)]


# --------------------------------------------------------------------------------------------
# Chat-model writer
# --------------------------------------------------------------------------------------------


class ChatClient(Protocol):
    def chat_json(self, messages: list[dict[str, Any]], model: str, temperature: float = ...) -> dict[str, Any]: ...


_NON_LATIN = frozenset(row.code for row in BY_CODE.values() if row.scripts[0] != "Latin")


def _script_class(language: str) -> str:
    """Languages that share a writing system (kanji-only Japanese reads as Chinese)."""
    return "cjk" if language in ("ja", "zh") else language

_SYSTEM_PROMPT = (
    "You write narration scripts for short marketing videos. Reply with one JSON object only: "
    '{"scenes": [{"title": str, "narration": str}], "cta_text_top": str, "cta_text_bottom": str}. '
    "Titles are at most six words for on-screen text; narration is spoken by a voice-over."
)


def build_chat_messages(req: ScriptRequest, language: str) -> list[dict[str, str]]:
    scene_s = req.duration_s / req.n_scenes
    words = max(3, round(scene_s * WORDS_PER_SECOND * _BUDGET_FILL))
    brief = {
        "language": BY_CODE[language].name,
        "scene_count": req.n_scenes,
        "seconds_per_scene": round(scene_s, 2),
        "max_words_per_scene": words,
        "tone": req.tone,
        "prompt": req.prompt,
        "metadata": req.metadata,
        "image_titles_in_scene_order": req.image_titles,
        "text_printed_on_each_image": req.image_texts,
        "cta_url": req.cta_url,
        "write_cta_texts": req.want_cta_texts,
    }
    instructions = (
        f"Write exactly {req.n_scenes} scenes in {BY_CODE[language].name}, in order; scene i describes "
        "image i when image titles are given, using the text printed on it. Open with a hook and end with "
        "a call to action. Keep each "
        f"narration under {words} words (or the same speaking time). "
        + ("Also write cta_text_top (a short 'scan to ...' line) and cta_text_bottom (the link's domain)."
           if req.want_cta_texts else "Set cta_text_top and cta_text_bottom to empty strings.")
    )
    return [
        {"role": "system", "content": _SYSTEM_PROMPT},
        {"role": "user", "content": instructions + "\n\nBrief:\n" + json.dumps(brief, ensure_ascii=False)},
    ]


def _text_field(item: dict[str, Any], *names: str) -> str:
    for name in names:
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def parse_chat_script(payload: dict[str, Any], req: ScriptRequest, language: str,
                      facts: dict[str, Any]) -> Script:
    """Validate a chat model's JSON reply into a :class:`Script`; raise :class:`ScriptFormatError`."""
    raw_scenes = payload.get("scenes")
    if not isinstance(raw_scenes, list):
        raise ScriptFormatError("reply has no 'scenes' list")
    if len(raw_scenes) < req.n_scenes:
        raise ScriptFormatError(f"reply has {len(raw_scenes)} scenes, {req.n_scenes} were requested")
    scenes: list[ScriptScene] = []
    for index, item in enumerate(raw_scenes[: req.n_scenes]):
        if not isinstance(item, dict):
            raise ScriptFormatError(f"scene {index} is not an object")
        narration = _text_field(item, "narration", "voiceover", "text")
        if not narration:
            raise ScriptFormatError(f"scene {index} has no narration")
        if language in _NON_LATIN and _script_class(detect_language(narration)) != _script_class(language):
            raise ScriptFormatError(f"scene {index} narration is not written in {BY_CODE[language].name}")
        title = _text_field(item, "title", "on_screen_text", "heading") or _short_title(narration, language, 5)
        plan_entry = facts["scenes"][index] if index < len(facts["scenes"]) else {"index": index}
        scenes.append(ScriptScene(narration=narration, title=title, facts=dict(plan_entry)))
    top = _text_field(payload, "cta_text_top") or None
    bottom = _text_field(payload, "cta_text_bottom") or None
    if req.want_cta_texts and req.cta_url and not (top and bottom):
        fallback_top, fallback_bottom = write_cta_texts(req.cta_url, req.metadata, language, req.prompt)
        top, bottom = top or fallback_top, bottom or fallback_bottom
    return Script(language=language, scenes=scenes, cta_text_top=top, cta_text_bottom=bottom,
                  structured={**facts, "language": language, "source": "chat"})


class ChatScriptWriter:
    """Script writer backed by an OpenAI-compatible chat model.

    An unusable reply raises :class:`ScriptFormatError` (a :class:`ProviderError`) naming what is
    wrong, unless a ``fallback`` writer is given, in which case that writer's script is returned.
    """

    def __init__(self, client: ChatClient, model: str, fallback: ScriptWriter | None = None) -> None:
        self.client = client
        self.model = model
        self.fallback = fallback

    def write(self, req: ScriptRequest) -> Script:
        language = resolve_language(req.language, req.prompt, req.metadata, req.image_titles)
        facts = extract_facts(req, language)
        try:
            payload = self.client.chat_json(build_chat_messages(req, language), self.model)
            return parse_chat_script(payload, req, language, facts)
        except ProviderError as exc:
            error = ScriptFormatError(f"chat model {self.model!r} did not return a usable script: {exc}")
            if self.fallback is None:
                raise error from exc
            log.warning("%s; using the fallback script writer", error)
            return self.fallback.write(req)
