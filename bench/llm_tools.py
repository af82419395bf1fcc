"""Offline tool-decision bench: what SmolLM2-135M, held to llama.cpp grammars, does with reelforge's
assistant tools (create_video_from_images, update_outro, search_template) all offered.

    .venv/bin/python bench/llm_tools.py

For each request of ``tests/data/llm_tool_prompts.json`` it prints the time, the tool called (or
``chat``) with its arguments, whether that was the expected one, and the measured tokens; then the
count right. Every call parses (the grammar guarantees it); which tool is picked is the model's guess.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from reelforge.jobs.assistant_tools import TOOLS, specs
from reelforge.providers.llm_tools import CHAT, decide
from reelforge.settings import Settings

PROMPTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "llm_tool_prompts.json"


def main() -> None:
    settings = Settings(llm_offline_only=True)
    tools = specs(list(TOOLS))
    prompts = json.loads(PROMPTS.read_text())["prompts"]
    right = 0
    for prompt in prompts:
        messages = [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": prompt["text"]},
        ]
        started = time.perf_counter()
        turn = decide(settings, messages, tools, None, 48, 0.2)
        took = time.perf_counter() - started
        picked = turn.call.name if turn.call else CHAT
        right += picked == prompt["expected"]
        mark = "ok " if picked == prompt["expected"] else "NO "
        detail = json.dumps(turn.call.arguments) if turn.call else repr(turn.completion.text[:60])
        usage = turn.completion.usage
        print(f"{mark}{took:5.1f} s  {usage.input_tokens:4d}+{usage.output_tokens:3d} tok  {picked:25s} {detail}")
        print(f"      {prompt['text']}")
    print(f"right: {right} of {len(prompts)}")


if __name__ == "__main__":
    main()
