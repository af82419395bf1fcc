"""Read access to the price table (``prices.json``), optionally overlaid by a deployment file.

Code asks for prices by name; no credit amount is written anywhere else.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_TABLE = Path(__file__).with_name("prices.json")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@cache
def load_table(override_file: Path | None = None) -> dict[str, Any]:
    table: dict[str, Any] = json.loads(DEFAULT_TABLE.read_text())
    if override_file:
        table = _merge(table, json.loads(Path(override_file).read_text()))
    return table


class PriceTable:
    def __init__(self, override_file: Path | None = None):
        self.table = load_table(override_file)

    def route(self, name: str, option: str | None = None) -> int:
        entry = self.table["routes"][name]
        if isinstance(entry, dict):
            if option is None:
                raise KeyError(f"price of {name} needs an option: one of {sorted(entry)}")
            return int(entry[option])
        return int(entry)

    def per_second(self, route: str, seconds: float) -> int:
        return math.ceil(self.table["routes"][route]["per_second"] * seconds)

    def video_model_rate(self, model: str) -> int:
        return int(self.table["video_models_per_second"][model])

    def addon_rate(self, addon: str) -> int:
        return int(self.table["video_addons_per_second"][addon])

    def image_model_price(self, model: str) -> int:
        return int(self.table["image_models"].get(model, 0))

    def image_model_multiplier(self, model: str) -> float:
        return float(self.table["image_model_multipliers"].get(model, 1.0))

    def llm_credits(self, provider: str, input_tokens: int, output_tokens: int, route: str) -> int:
        """Credits for measured (or estimated) tokens of a language-model route (prices.json ``llm``)."""
        table = self.table["llm"]
        rates = table["providers"][provider]
        usd = (input_tokens * rates["input_usd_per_million"] + output_tokens * rates["output_usd_per_million"]) / 1e6
        # Rounded once, up, so the smallest request costs a credit and a price never depends on splitting.
        return math.ceil(usd * table["credits_per_usd"] * table["multipliers"][route] - 1e-9)
