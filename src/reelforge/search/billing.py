"""Credits for the embedding routes, from the price table's ``embeddings`` entry (see prices.json)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from reelforge.core.pricing import PriceTable

Mode = Literal["records", "search", "plain_text", "url"]


@dataclass(frozen=True)
class EmbeddingCharge:
    tokens: int
    pages: int
    credits: int


def embedding_charge(tokens: int, mode: Mode, pages: int = 0, prices: PriceTable | None = None) -> EmbeddingCharge:
    """Records, update, search and similar pay tokens at the base rate; plain text and the embedding phase of a
    URL crawl pay the multiplier; a crawl adds its per-page price. Rounded up once, to whole credits."""
    table = (prices or PriceTable()).table["embeddings"]
    multiplier = {"plain_text": table["plain_text_multiplier"], "url": table["url_embedding_multiplier"]}.get(mode, 1)
    token_credits = tokens / 1_000_000 * table["usd_per_million_tokens"] * table["credits_per_usd"] * multiplier
    crawl_credits = pages * table["crawl_per_page"] if mode == "url" else 0
    # Rounding the sum (not each part) keeps a request's price from depending on how it was split.
    return EmbeddingCharge(tokens, pages, math.ceil(token_credits + crawl_credits - 1e-9))
