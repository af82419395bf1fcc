"""Offline language model bench: tokens/s, time to first token and the answers to the fixed prompts.

    .venv/bin/python bench/llm.py [--max-tokens 64] [--limit 20]

Runs :func:`reelforge.providers.llm.complete` with the packaged model (settings forced offline), one
prompt at a time on ``llm_threads`` threads, temperature 0.2, and prints per prompt the time to the
first token, the generation time and rate (output tokens / time after the first token) and the answer,
then the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from reelforge.providers.llm import Done, Token, complete
from reelforge.settings import Settings

PROMPTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "llm_prompts.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    settings = Settings(llm_offline_only=True, llm_threads=args.threads)
    prompts = json.loads(PROMPTS.read_text())["prompts"][: args.limit]

    started = time.perf_counter()
    list(complete(settings, [{"role": "user", "content": "Hi"}], 1))  # loads the model
    print(f"model load + 1 token: {time.perf_counter() - started:.2f} s")

    ttfts, rates = [], []
    for number, prompt in enumerate(prompts, start=1):
        t0 = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        done: Done | None = None
        for event in complete(settings, [{"role": "user", "content": prompt}], args.max_tokens, temperature=0.2):
            if isinstance(event, Token):
                first = first or time.perf_counter() - t0
                parts.append(event.text)
            else:
                done = event
        total = time.perf_counter() - t0
        assert done is not None and first is not None
        rate = (done.usage.output_tokens - 1) / max(total - first, 1e-6)
        ttfts.append(first)
        rates.append(rate)
        answer = " ".join("".join(parts).split())
        print(f"\n[{number:2d}] {prompt}\n     ttft {first * 1000:.0f} ms, {done.usage.input_tokens} in / "
              f"{done.usage.output_tokens} out, {rate:.1f} tok/s, {done.finish_reason}\n     -> {answer}")
    print(f"\nmedian time to first token {statistics.median(ttfts) * 1000:.0f} ms, "
          f"median generation {statistics.median(rates):.1f} tokens/s ({done.model}, {args.threads} threads)")
    # The figures depend on what else the machine runs: say how loaded it was.
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
