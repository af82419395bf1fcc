"""Constrained decoding of the offline model (llama.cpp GBNF through libllama) and the offline tool
decision: whatever the model writes under a grammar parses, and narrowed arguments are copied from
the conversation, never invented."""

from __future__ import annotations

import json

import pytest

from reelforge.providers.llm import Done, OfflineLLM, Token
from reelforge.providers.llm_grammar import choice, json_schema
from reelforge.providers.llm_tools import ToolSpec, decide
from reelforge.providers.openai_compat import ProviderError
from reelforge.settings import Settings

ASK = [{"role": "user", "content": "Describe a red running shoe for a product page."}]
SHOE = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "sizes": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 4},
        "in_stock": {"type": "boolean"},
        "colour": {"enum": ["red", "blue"]},
        "note": {"type": "string"},
    },
    "required": ["name", "sizes", "in_stock", "colour"],
}


def generate(grammar: str, max_tokens: int = 120) -> tuple[str, str]:
    parts, finish = [], ""
    for event in OfflineLLM(1).complete(ASK, max_tokens, 0.7, grammar=grammar):
        if isinstance(event, Token):
            parts.append(event.text)
        elif isinstance(event, Done):
            finish = event.finish_reason
    return "".join(parts), finish


def test_output_under_a_json_schema_grammar_parses_to_that_shape() -> None:
    text, finish = generate(json_schema(SHOE))
    assert finish == "stop", text
    value = json.loads(text)
    assert set(value) == {"name", "sizes", "in_stock", "colour"}  # required only, in order
    assert isinstance(value["name"], str) and isinstance(value["in_stock"], bool)
    assert 1 <= len(value["sizes"]) <= 4 and all(isinstance(s, int) for s in value["sizes"])
    assert value["colour"] in ("red", "blue")


def test_choice_grammar_answers_one_of_the_options() -> None:
    text, finish = generate(choice(["yes", "no", "maybe"]), 8)
    assert finish == "stop" and text in ("yes", "no", "maybe")


def test_forced_tool_copies_urls_and_ids_from_the_conversation() -> None:
    tool = ToolSpec(
        "update_outro",
        "outro",
        "change the outro of a video",
        {
            "type": "object",
            "properties": {"session_id": {"type": "string", "format": "id"},
                           "outro_image_url": {"type": "string", "format": "uri"}},
            "required": ["session_id", "outro_image_url"],
        },
    )
    messages = [{"role": "user", "content": "Use https://cdn.example.com/end.png as the outro of vid_img_42ab."}]
    turn = decide(Settings(llm_offline_only=True), messages, [tool], "update_outro", 32, 0.7)
    assert turn.call is not None and turn.call.name == "update_outro"
    assert turn.call.arguments == {"session_id": "vid_img_42ab", "outro_image_url": "https://cdn.example.com/end.png"}
    assert turn.completion.usage.input_tokens > 0 and turn.completion.usage.output_tokens > 0


def test_array_bounds_become_grammar_repeats_and_impossible_ones_are_refused() -> None:
    exact = json_schema({"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 3})
    assert '("," ws integer){2,2}' in exact
    assert 'value ::= "[]"' in json_schema({"type": "array", "maxItems": 0})
    with pytest.raises(ProviderError):
        json_schema({"type": "array", "minItems": 2, "maxItems": 1})
