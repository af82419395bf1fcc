"""Text moderation behind one call, :func:`moderate`, answering OpenAI's moderation shape.

Two backends, like the language model (providers/llm.py):

- **configured**: the OpenAI-compatible endpoint of the ``llm_*`` settings, through the official
  ``openai`` SDK's ``moderations.create``; its categories are whatever that endpoint scores;
- **offline** (the default): ``alt-profanity-check``'s classifier (MIT), a linear SVM over
  TF-IDF features trained on labelled toxic and offensive comments, calibrated to a probability.
  Its vectorizer and model ship inside the wheel (~1 MB); nothing is downloaded at run time.
  It measures one thing, offensive language, so it answers one category, ``profanity``: it does
  not score hate, violence, self-harm or sexual content apart, and none is made up here.
  English only; it reads words, not intent (README, "Moderation").

An endpoint that fails (or serves no moderation route, as vLLM and Ollama do not) falls back to
the offline classifier, and the answer's ``provider`` says which one judged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reelforge.providers.llm import CONFIGURED_PROVIDER, OFFLINE_PROVIDER, chat_endpoint
from reelforge.providers.openai_compat import ProviderError, provider_errors
from reelforge.settings import Settings

log = logging.getLogger("reelforge.moderation")

OFFLINE_MODERATION_MODEL = "alt-profanity-check-1.9.1"
OFFLINE_CATEGORY = "profanity"
# The calibrated probability at or above which a text is flagged: the classifier's own decision
# boundary (its ``predict`` is ``predict_proba >= 0.5``).
FLAG_AT = 0.5
# What a configured endpoint is asked for when the request names no model: OpenAI's current one.
DEFAULT_UPSTREAM_MODEL = "omni-moderation-latest"


@dataclass(frozen=True)
class Moderation:
    provider: str
    model: str
    results: list[dict[str, Any]]  # OpenAI's results[]: flagged, categories, category_scores


@functools.cache
def _offline_classifier() -> Any:
    # Imported lazily: it loads scikit-learn and unpickles the vectorizer (~0.5 s) on first use.
    try:
        import profanity_check
    except ImportError as exc:  # pragma: no cover - a server install always has it
        raise ProviderError("the offline moderation classifier is missing: pip install alt-profanity-check") from exc
    return profanity_check


def moderate_offline(texts: Sequence[str]) -> Moderation:
    scores = _offline_classifier().predict_prob(list(texts))
    results = []
    for score in scores:
        value = round(float(score), 6)
        flagged = value >= FLAG_AT
        results.append(
            {
                "flagged": flagged,
                "categories": {OFFLINE_CATEGORY: flagged},
                "category_scores": {OFFLINE_CATEGORY: value},
            }
        )
    return Moderation(OFFLINE_PROVIDER, OFFLINE_MODERATION_MODEL, results)


def _moderate_configured(settings: Settings, texts: Sequence[str], model: str | None) -> Moderation | None:
    endpoint = chat_endpoint(settings)
    if endpoint is None:
        return None
    client, _ = endpoint
    try:
        with provider_errors():
            answer = client.sdk.moderations.create(
                input=list(texts), model=model or DEFAULT_UPSTREAM_MODEL, extra_headers=client.extra_headers
            )
    except ProviderError as exc:
        log.warning("moderation endpoint failed, judging with the offline classifier: %s", exc)
        return None
    results = [
        {
            "flagged": bool(r.flagged),
            # Only what the endpoint scored: a category it left out stays out.
            "categories": {k: v for k, v in r.categories.model_dump(by_alias=True).items() if v is not None},
            "category_scores": {
                k: v for k, v in r.category_scores.model_dump(by_alias=True).items() if v is not None
            },
        }
        for r in answer.results
    ]
    return Moderation(CONFIGURED_PROVIDER, answer.model, results)


def moderate(settings: Settings, texts: Sequence[str], model: str | None = None) -> Moderation:
    """The configured endpoint's verdicts, else the offline classifier's; one result per text."""
    return _moderate_configured(settings, texts, model) or moderate_offline(texts)


__all__ = ["OFFLINE_CATEGORY", "OFFLINE_MODERATION_MODEL", "Moderation", "moderate", "moderate_offline"]
