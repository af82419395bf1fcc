"""The offline language model on its prebuilt llama.cpp wheel: one model load for the module."""

from __future__ import annotations

import numpy as np
import pytest

from reelforge.providers.llm import Done, OfflineLLM, Token, _runtime, sample

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Give three title ideas for a video about baking sourdough bread."},
]


@pytest.fixture(scope="module")
def runtime():  # type: ignore[no-untyped-def]
    return _runtime(1)


def test_prefill_in_chunks_matches_token_by_token(runtime) -> None:  # type: ignore[no-untyped-def]
    # Guards the batch-size workaround in providers/llm.py: the chunked prompt must give the logits
    # that feeding it one token at a time gives (batches of 32+ did not, on ik_llama.cpp 0.1.5).
    prompt = runtime.prompt_tokens(MESSAGES)
    assert len(prompt) > 32
    runtime.context.kv_cache_clear()
    runtime.evaluate(prompt, 0)
    chunked = runtime.logits()
    runtime.context.kv_cache_clear()
    for position, token in enumerate(prompt):
        runtime.evaluate([token], position)
    np.testing.assert_allclose(chunked, runtime.logits(), atol=1e-3)
    runtime.context.kv_cache_clear()  # evaluated behind the runtime's back: leave it holding nothing
    runtime.held.clear()


def test_a_shared_prompt_prefix_is_kept_and_the_answer_is_the_same(runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A prompt that starts like the last one (same system prompt, another question) evaluates only
    what follows the shared part, and the greedy answer equals the one from an empty context."""
    llm = OfflineLLM(1)
    other = [MESSAGES[0], {"role": "user", "content": "Name two colours of autumn leaves."}]

    def greedy(messages: list[dict[str, str]]) -> str:
        return "".join(e.text for e in llm.complete(messages, 16, 0.0) if isinstance(e, Token))

    greedy(MESSAGES)
    evaluated: list[tuple[int, int]] = []
    evaluate = runtime.evaluate
    monkeypatch.setattr(runtime, "evaluate", lambda tokens, start: (evaluated.append((start, len(tokens))),
                                                                     evaluate(tokens, start))[1])
    reused = greedy(other)
    prompt = runtime.prompt_tokens(other)
    system = len(runtime.prompt_tokens(MESSAGES[:1]))
    start, count = evaluated[0]
    assert system // 2 < start < len(prompt) and start + count == len(prompt), (start, count, len(prompt))

    runtime.context.kv_cache_clear()
    runtime.held.clear()
    assert greedy(other) == reused


def test_streams_tokens_then_counted_usage(runtime) -> None:  # type: ignore[no-untyped-def]
    events = list(OfflineLLM(1).complete(MESSAGES, 12, 0.0))
    *tokens, done = events
    assert isinstance(done, Done) and all(isinstance(t, Token) for t in tokens)
    text = "".join(t.text for t in tokens if isinstance(t, Token))
    assert text.strip()
    assert done.usage.input_tokens == len(runtime.prompt_tokens(MESSAGES))
    assert 0 < done.usage.output_tokens <= 12
    assert done.finish_reason in {"stop", "length"}


def test_sampler_is_greedy_at_zero_and_stays_in_top_k() -> None:
    rng = np.random.default_rng(0)
    logits = np.arange(100, dtype=np.float64)
    assert sample(logits.copy(), [], 0.0, rng) == 99
    assert sample(logits.copy(), [99], 0.0, rng) == 98  # the repetition penalty: 99 / 1.1 < 98
    drawn = {sample(logits.copy(), [], 1.0, rng) for _ in range(200)}
    assert drawn <= set(range(60, 100))
