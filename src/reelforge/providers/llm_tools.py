"""Tool calling on the language model: given the tools a turn offers, the model answers in text or
calls exactly one of them with arguments of its schema.

- **configured**: the endpoint gets the tools in the Chat Completions ``tools`` form through the
  ``openai`` SDK and decides itself (``tool_choice`` passed through);
- **offline**: SmolLM2-135M does not call tools reliably on its own (asked freely, it wrote Python
  or echoed its instructions), so the decision is split into two constrained steps, each under a
  llama.cpp grammar (providers/llm_grammar.py): (1) one word naming the tool or ``chat`` — skipped
  when ``tool_choice`` names the tool; (2) the arguments as a JSON object of the tool's schema.
  A string argument declared ``"format": "uri"`` may only be a URL that appears in the
  conversation, so the model picks among the caller's URLs and cannot invent one. The grammar
  guarantees a valid call; it does not make the model's choice right (README, "Tool calls").

The usage of every step is measured and summed: billing charges what the model really read and
wrote.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from openai.types.chat import ChatCompletionToolParam

from reelforge.providers.llm import (
    CONFIGURED_PROVIDER,
    Completion,
    Done,
    Message,
    OfflineLLM,
    Token,
    Usage,
    complete_text,
    configured_model,
    wire_messages,
)
from reelforge.providers.llm_grammar import choice, json_schema
from reelforge.providers.openai_compat import ProviderError, provider_errors
from reelforge.settings import Settings

log = logging.getLogger("reelforge.llm")

CHAT = "chat"
# Step (1) answers in a few tokens; step (2) in at most this many (a handful of URLs and words).
ARGUMENT_TOKENS = 256
_URL = re.compile(r"https?://[^\s\"'<>()\[\]{}]+")
# reelforge's ids: a prefix, an underscore, then letters, digits and underscores (vid_img_3f9c…, tpl_9).
_ID = re.compile(r"\b[a-z][a-z0-9]*_[A-Za-z0-9_-]+\b")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    label: str  # the one word the offline model answers to choose this tool
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments (an object)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolTurn:
    completion: Completion  # the text answer (empty for a call) and the usage of every step
    call: ToolCall | None = None
    steps: list[str] = field(default_factory=list)  # what the offline model answered at each step


def decide(
    settings: Settings,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    forced: str | None,
    max_tokens: int,
    temperature: float,
) -> ToolTurn:
    """Answer or call one of ``tools`` (``forced``: that one, always)."""
    configured = configured_model(settings)
    if configured is not None:
        try:
            return _decide_configured(configured.client, configured.model, messages, tools, forced, max_tokens)
        except ProviderError as exc:  # like a plain completion: the offline model answers instead
            log.warning("language model endpoint failed on a tool turn, deciding offline: %s", exc)
    return _decide_offline(settings, messages, tools, forced, max_tokens, temperature)


# -- configured ------------------------------------------------------------------------------------


def _decide_configured(
    client: Any, model: str, messages: Sequence[Message], tools: Sequence[ToolSpec], forced: str | None,
    max_tokens: int,
) -> ToolTurn:
    params = wire_messages(messages)
    wire = [
        cast(
            ChatCompletionToolParam,
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            },
        )
        for t in tools
    ]
    choice_param: Any = {"type": "function", "function": {"name": forced}} if forced else "auto"
    with provider_errors():
        answer = client.sdk.chat.completions.create(
            model=model, messages=params, tools=wire, tool_choice=choice_param, max_tokens=max_tokens,
            extra_headers=client.extra_headers,
        )
    if answer.usage is None:
        raise ProviderError("the endpoint reported no usage")
    usage = Usage(answer.usage.prompt_tokens, answer.usage.completion_tokens)
    message = answer.choices[0].message
    finish = answer.choices[0].finish_reason or "stop"
    completion = Completion((message.content or "").strip(), usage, finish, CONFIGURED_PROVIDER, answer.model or model)
    offered = {t.name for t in tools}
    for tool_call in message.tool_calls or []:
        function = getattr(tool_call, "function", None)
        if function is None or function.name not in offered:
            continue
        try:
            arguments = json.loads(function.arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ProviderError(f"the endpoint's tool arguments are not JSON: {exc}") from exc
        if isinstance(arguments, dict):
            return ToolTurn(completion, ToolCall(function.name, arguments))
    return ToolTurn(completion)


# -- offline ---------------------------------------------------------------------------------------


def _constrained(settings: Settings, messages: Sequence[Message], grammar: str, max_tokens: int) -> Completion:
    parts: list[str] = []
    for event in OfflineLLM(settings.llm_threads).complete(messages, max_tokens, 0.0, stream=False, grammar=grammar):
        if isinstance(event, Token):
            parts.append(event.text)
        elif isinstance(event, Done):
            return Completion("".join(parts), event.usage, event.finish_reason, event.provider, event.model)
    raise ProviderError("the language model ended without usage")


def _conversation(messages: Sequence[Message]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages if m["role"] != "system")


def _classify(settings: Settings, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Completion:
    lines = [f"{t.label} - {t.description}" for t in tools]
    words = [t.label for t in tools] + [CHAT]
    system = (
        "Classify the user's request with one word:\n"
        + "\n".join(lines)
        + f"\n{CHAT} - anything else: questions, ideas, writing, greetings\n"
        + f"Reply with one word: {', '.join(words)}."
    )
    last_user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    asked: list[Message] = [{"role": "system", "content": system}, {"role": "user", "content": last_user}]
    return _constrained(settings, asked, choice(words), 8)


def _offline_schema(schema: dict[str, Any], urls: list[str], ids: list[str]) -> dict[str, Any]:
    """``schema`` with its ``format: uri`` strings narrowed to the conversation's URLs and its
    ``format: id`` strings to the conversation's ids (where it has any)."""
    narrowed = {"uri": urls, "id": ids}.get(str(schema.get("format")))
    if schema.get("type") == "string" and narrowed:
        return {"type": "string", "enum": narrowed}
    out = dict(schema)
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict) and items.get("format") == "uri" and urls:
        # Each of the caller's URLs at most once: a small model otherwise repeats one until it runs out.
        out["maxItems"] = min(int(schema.get("maxItems", len(urls))), len(urls))
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _offline_schema(v, urls, ids) for k, v in schema["properties"].items()}
    if isinstance(items, dict):
        out["items"] = _offline_schema(items, urls, ids)
    return out


@dataclass(frozen=True)
class _Mentions:
    """The URLs the user gave and the ids the conversation names: what narrowed arguments may be."""

    urls: list[str]
    ids: list[str]

    @staticmethod
    def of(messages: Sequence[Message]) -> _Mentions:
        found = (u.rstrip(".,;:!?") for m in messages if m["role"] == "user" for u in _URL.findall(m["content"]))
        ids = (i for m in messages for i in _ID.findall(m["content"]))
        return _Mentions(list(dict.fromkeys(found)), list(dict.fromkeys(ids)))

    def can_fill(self, schema: dict[str, Any]) -> bool:
        """Whether every required URL or id of ``schema`` can be taken from the conversation."""
        fmt = schema.get("format")
        items = schema.get("items")
        if fmt == "uri" or (isinstance(items, dict) and items.get("format") == "uri"):
            return bool(self.urls)
        if fmt == "id":
            return bool(self.ids)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            required = set(schema.get("required") or [])
            return all(self.can_fill(v) for k, v in properties.items() if k in required and isinstance(v, dict))
        return True


def _arguments(settings: Settings, messages: Sequence[Message], tool: ToolSpec, seen: _Mentions) -> Completion:
    system = (
        f"Fill in the arguments of the tool {tool.name}: {tool.description}. "
        f"Its JSON schema: {json.dumps(tool.parameters)}. Take the values from the conversation. "
        "Reply with the JSON object only."
    )
    asked: list[Message] = [{"role": "system", "content": system}, {"role": "user", "content": _conversation(messages)}]
    grammar = json_schema(_offline_schema(tool.parameters, seen.urls, seen.ids))
    return _constrained(settings, asked, grammar, ARGUMENT_TOKENS)


def _sum(a: Usage, b: Usage) -> Usage:
    return Usage(a.input_tokens + b.input_tokens, a.output_tokens + b.output_tokens)


def _decide_offline(
    settings: Settings, messages: Sequence[Message], tools: Sequence[ToolSpec], forced: str | None,
    max_tokens: int, temperature: float,
) -> ToolTurn:
    usage = Usage(0, 0)
    steps: list[str] = []
    seen = _Mentions.of(messages)
    tool = next((t for t in tools if t.name == forced), None)
    # Unforced, a tool is a candidate only if the conversation holds the URLs and ids it needs: a
    # request without any cannot be a call of it, whatever the small model would guess.
    # Right after a tool result the offline model answers from it: asked to choose again, it calls the
    # same function again (measured: get_weather, answered, was called a second time).
    answering = bool(messages) and messages[-1]["role"] == "tool"
    candidates = [] if answering else [t for t in tools if seen.can_fill(t.parameters)]
    if tool is None and candidates:
        picked = _classify(settings, messages, candidates)
        usage = picked.usage
        steps.append(picked.text)
        tool = next((t for t in candidates if t.label == picked.text.strip()), None)
    if tool is None:  # "chat": a plain answer
        answer = complete_text(settings, messages, max_tokens, temperature)
        total = Completion(answer.text, _sum(usage, answer.usage), answer.finish_reason, answer.provider, answer.model)
        return ToolTurn(total, None, steps)
    args = _arguments(settings, messages, tool, seen)
    steps.append(args.text)
    total = Completion("", _sum(usage, args.usage), args.finish_reason, args.provider, args.model)
    if args.finish_reason != "stop":
        raise ProviderError(f"the offline model ran out of tokens writing {tool.name}'s arguments")
    return ToolTurn(total, ToolCall(tool.name, json.loads(args.text)), steps)


__all__ = ["CHAT", "ToolCall", "ToolSpec", "ToolTurn", "decide"]
