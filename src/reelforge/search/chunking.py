"""Splitting long documents into overlapping passages that fit the embedding model.

multilingual-e5-small reads at most 512 tokens; ~1,000 characters stays well under that in every script we serve
(Thai and Japanese run about one token per 1-2 characters). The overlap keeps a sentence cut at a boundary whole
in one of the two neighbouring chunks.
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"(?<=[.!?。！？\n])\s*|\s+")


def chunk_text(text: str, size: int = 1000, overlap: int = 150) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if overlap >= size:
        raise ValueError("overlap must be smaller than size")
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            # Prefer ending at the last sentence or word break in the window's second half.
            cut = max((m.end() for m in _BREAKS.finditer(text, start + size // 2, end)), default=end)
            end = cut if cut > start else end
        chunks.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        # Do not start a chunk mid-word when a break is near.
        nxt = _BREAKS.search(text, start, min(start + overlap, len(text)))
        start = nxt.end() if nxt and nxt.end() < end else start
    return [c for c in chunks if c]
