"""Stages of the language-model routes: a chat completion (the gateway), an enhanced message and an
assistant turn (Responses shape, optionally with a generated image). Each settles its charge to the
measured usage through the ``price`` its kind passes in."""

from __future__ import annotations

import base64
import json
import time
import zlib
from collections.abc import Callable, Sequence

from reelforge.providers.llm import Completion, Message, complete_text
from reelforge.providers.llm_tools import ToolCall, ToolSpec, decide
from reelforge.providers.registry import LOCAL, image_provider
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import Published

Price = Callable[[Completion], int]


def usage_body(c: Completion) -> dict[str, int]:
    """Usage in both vocabularies: Chat Completions (prompt/completion) and Responses (input/output)."""
    u = c.usage
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
    }


def chat_completion_body(
    completion_id: str, c: Completion, created: int | None = None, call: ToolCall | None = None
) -> dict[str, object]:
    """An OpenAI ``chat.completion`` object; with ``call``, its assistant message calls that function."""
    message: dict[str, object] = {"role": "assistant", "content": c.text}
    finish = c.finish_reason
    if call is not None:
        function = {"name": call.name, "arguments": json.dumps(call.arguments)}
        message = {"role": "assistant", "content": None,
                   "tool_calls": [{"id": f"call_{completion_id}_0", "type": "function", "function": function}]}
        finish = "tool_calls"
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": c.model,
        "provider": c.provider,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage_body(c),
    }


def chat_completion(
    env: StageEnv, messages: Sequence[Message], max_tokens: int, temperature: float, price: Price,
    tools: Sequence[ToolSpec] = (), forced_tool: str | None = None,
) -> Published:
    """A chat completion; with ``tools``, the reply may call one of them (the client runs it)."""
    call: ToolCall | None = None
    if tools:
        turn = decide(env.rt.settings, messages, tools, forced_tool, max_tokens, temperature)
        c, call = turn.completion, turn.call
    else:
        c = complete_text(env.rt.settings, messages, max_tokens, temperature)
    body = chat_completion_body(f"chatcmpl-{env.request_id}", c, call=call)
    return Published(result={"response": body, "provider": c.provider}, final_price=price(c))


def clip_words(text: str, max_words: int) -> str:
    """At most ``max_words`` words: the model is asked to stay under, this guarantees it."""
    words = text.split()
    return text.strip() if len(words) <= max_words else " ".join(words[:max_words])


def enhance_message(
    env: StageEnv, message: str, max_words: int, language: str | None, max_tokens: int, price: Price
) -> Published:
    instruction = (
        "Rewrite the user's text to be clearer and more engaging. Keep its meaning. "
        f"Use at most {max_words} words. Reply with the rewritten text only."
    )
    if language:
        instruction += f" Write in {language}."
    c = complete_text(
        env.rt.settings,
        [{"role": "system", "content": instruction}, {"role": "user", "content": message}],
        max_tokens,
        temperature=0.3,
    )
    content = clip_words(c.text, max_words) or message
    return Published(
        result={"content": content, "provider": c.provider, "model": c.model, "usage": usage_body(c)},
        final_price=price(c),
    )


def _image_item(env: StageEnv, prompt: str, size: tuple[int, int], item_id: str) -> dict[str, object]:
    # The image tool draws with the offline illustrator (image model LOCAL); a seed from the prompt
    # keeps a repeated request's image identical.
    out = env.work_dir() / f"{item_id}.png"
    image_provider(env.rt.settings, LOCAL).generate(prompt, size[0], size[1], zlib.crc32(prompt.encode()), out)
    return {
        "id": item_id,
        "type": "image_generation_call",
        "status": "completed",
        "output_format": "png",
        "size": f"{size[0]}x{size[1]}",
        "revised_prompt": prompt,
        "result": base64.b64encode(out.read_bytes()).decode("ascii"),
    }


RunTool = Callable[[ToolCall, int], dict[str, object]]


def _function_call_items(rid: str, call: ToolCall, result: dict[str, object]) -> list[dict[str, object]]:
    """The Responses API's call and output items; ``result`` (the started request, or why not) on both."""
    call_id = f"call_{rid}_0"
    arguments = json.dumps(call.arguments)
    status = "completed" if result.get("request_id") else "failed"
    return [
        {"id": f"fc_{rid}", "type": "function_call", "status": status, "call_id": call_id, "name": call.name,
         "arguments": arguments, "result": result},
        {"id": f"fco_{rid}", "type": "function_call_output", "call_id": call_id, "output": json.dumps(result)},
    ]


def assistant_turn(
    env: StageEnv,
    messages: Sequence[Message],
    max_tokens: int,
    temperature: float,
    session_id: str | None,
    image_prompt: str | None,
    image_size: tuple[int, int],
    price: Price,
    tools: Sequence[ToolSpec] = (),
    forced_tool: str | None = None,
    run_tool: RunTool | None = None,
) -> Published:
    """One assistant answer in the OpenAI Responses shape (``output_text``, ``output[]``). With
    ``tools``, the model may call one instead of answering: ``run_tool`` starts its request and the
    answer carries a ``function_call`` item whose ``result`` names the request id."""
    rid = env.request_id
    call: ToolCall | None = None
    if tools and run_tool is not None:
        turn = decide(env.rt.settings, messages, tools, forced_tool, max_tokens, temperature)
        c, call = turn.completion, turn.call
    else:
        c = complete_text(env.rt.settings, messages, max_tokens, temperature)
    output: list[dict[str, object]] = []
    if call is not None and run_tool is not None:
        output.extend(_function_call_items(rid, call, run_tool(call, 0)))
    else:
        output.append(
            {
                "id": f"msg_{rid}",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": c.text, "annotations": []}],
            }
        )
    if image_prompt is not None:
        output.append(_image_item(env, image_prompt, image_size, f"ig_{rid}"))
    response = {
        "id": f"resp_{rid}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if c.finish_reason in ("stop", "tool_calls") else "incomplete",
        "model": c.model,
        "provider": c.provider,
        "session_id": session_id,
        "output_text": c.text,
        "output": output,
        "usage": usage_body(c),
    }
    env.clean_work_dir()
    return Published(result=response, final_price=price(c))
