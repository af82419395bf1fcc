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

    def video_model_rate(self, model: str) -> int | None:
        """Credits per rendered second, where the model is priced per second."""
        rate = self.table["video_models_per_second"].get(model)
        return None if rate is None else int(rate)

    def video_model_units(self, model: str) -> tuple[int, list[int]] | None:
        """video-api.txt's per-unit price: base credits per shortest unit, and the unit lengths."""
        entry = self.table["video_model_units"].get(model)
        return None if entry is None else (int(entry["base"]), [int(u) for u in entry["units"]])

    def video_model_base(self, model: str) -> int:
        """What ``supported_models`` shows as ``basePrice``: the per-second rate, else the per-unit base."""
        rate = self.video_model_rate(model)
        if rate is not None:
            return rate
        units = self.video_model_units(model)
        if units is None:
            raise KeyError(f"no price for video model {model!r}")
        return units[0]

    def video_model_charge(self, model: str, seconds: float) -> float:
        """Credits for ``seconds`` of ``model``: rate × seconds, or video-api.txt's
        base × duration-unit multiplier (the number of shortest units that cover ``seconds``)."""
        rate = self.video_model_rate(model)
        if rate is not None:
            return rate * seconds
        units = self.video_model_units(model)
        if units is None:
            raise KeyError(f"no price for video model {model!r}")
        base, lengths = units
        return base * max(1, math.ceil(round(seconds / min(lengths), 6)))

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
