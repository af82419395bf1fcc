"""Right-to-left text: embedding levels and visual order from the Unicode Bidirectional Algorithm.

Pillow's Raqm layout shapes and orders the text of *one* draw call, but mixed-script lines are
drawn in runs (one font per run), so the order of the runs on the line has to come from the
algorithm itself. ``python-bidi`` computes the levels (UAX #9, rules P2–I2); rule L2 then orders
the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bidi import algorithm as uax9


def embedding_levels(text: str, rtl: bool | None = None) -> list[int]:
    """The resolved embedding level of each character of ``text`` (odd = right to left).

    ``rtl`` sets the paragraph direction; ``None`` takes it from the first strong character.
    Explicit formatting characters (removed by rule X9) take the level of the character before.
    """
    if not text:
        return []
    storage: dict[str, Any] = uax9.get_empty_storage()
    base = uax9.get_base_level(text) if rtl is None else int(rtl)
    storage["base_level"], storage["base_dir"] = base, ("L", "R")[base]
    uax9.get_embedding_levels(text, storage)
    chars = list(storage["chars"])  # X9 drops some of these from storage; keep every one
    uax9.explicit_embed_and_overrides(storage, False)
    uax9.resolve_weak_types(storage, False)
    uax9.resolve_neutral_types(storage, False)
    uax9.resolve_implicit_levels(storage, False)
    kept = {id(char) for char in storage["chars"]}
    levels: list[int] = []
    for char in chars:
        levels.append(int(char["level"]) if id(char) in kept or not levels else levels[-1])
    return levels


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: indices of the items (characters or runs) at ``levels``, left to right on screen."""
    order = list(range(len(levels)))
    if not levels:
        return order
    lowest_odd = min(level for level in levels if level % 2) if any(level % 2 for level in levels) else None
    if lowest_odd is None:
        return order
    for level in range(max(levels), lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] >= level:
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = reversed(order[index:end])
                index = end
            else:
                index += 1
    return order
