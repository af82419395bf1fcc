"""``rerank: true``: reorder the vector search's best candidates with a lexical signal.

No cross-encoder ships its weights in a PyPI package we can install, so the second signal is BM25 (``bm25s``)
over the candidates' own text, fused with the vector score. BM25 catches what a small
embedding model blurs: the exact city, a number, a product name. Thai and Japanese are written without spaces, so
their runs are indexed as character bigrams (the usual CJK analyser choice); other scripts split on word
characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
import numpy as np

from reelforge.search.index import Hit

_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w+")
# Weight of the lexical score against the vector score, both scaled to [0, 1] over the candidates. On the labelled
# set MRR is flat for weights 0.2-0.5 (0.983) and lower for reciprocal rank fusion (best 0.974, k=1): see
# docs/performance.md. A plateau, not a tuned peak.
LEXICAL_WEIGHT = 0.3


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for word in _WORD.findall(text.casefold()):
        pos = 0
        for run in _UNSPACED.finditer(word):
            tokens += [word[pos:run.start()]] if run.start() > pos else []
            chars = run.group()
            tokens += [chars] if len(chars) == 1 else [chars[i:i + 2] for i in range(len(chars) - 1)]
            pos = run.end()
        tokens += [word[pos:]] if pos < len(word) else []
    return tokens


def bm25_scores(query: str, texts: Sequence[str]) -> np.ndarray:
    corpus = [tokenize(t) or [""] for t in texts]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    query_tokens = [t for t in tokenize(query) if t in retriever.vocab_dict]
    if not query_tokens:
        return np.zeros(len(texts))
    return np.asarray(retriever.get_scores(query_tokens), dtype=np.float64)


def _unit(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - x.min())
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def rerank(query: str, hits: Sequence[Hit], k: int) -> list[Hit]:
    """Reorder ``hits`` (the vector search's best, in its order) by vector + weighted BM25 score. When BM25
    matches nothing (e.g. a query in another language than the candidates) the vector order stands."""
    if len(hits) < 2:
        return list(hits)[:k]
    vector = _unit(np.array([h.score for h in hits], dtype=np.float64))
    lexical = bm25_scores(query, [h.text for h in hits])
    lexical = lexical / lexical.max() if lexical.max() > 0 else lexical
    order = np.argsort(-(vector + LEXICAL_WEIGHT * lexical), kind="stable")
    return [hits[int(i)] for i in order[:k]]
