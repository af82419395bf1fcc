"""The language-model kinds: the chat gateway (``/v2/external/chat/completions``), enhance message
(``/v1/chat/enhance``) and the assistant (``/v1/assistant/completion``).

Each holds an estimate at acceptance (the prompt's characters / 3 as tokens, plus every output
token allowed), so the 402 happens up front, and its stage settles to the measured usage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal

from pydantic import Field, field_validator

from reelforge.core import assistant_prompts, requests
from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.core.principals import Owner
from reelforge.db.models import Request, wire_time
from reelforge.jobs import assistant_tools
from reelforge.jobs.base import JobInput, Prepared, PrepareEnv, ServedInput, SingleStageKind, StageContext, StageDef
from reelforge.jobs.body import RequestBody, aliases
from reelforge.jobs.catalog import register
from reelforge.pipeline.recovery import inline_heartbeat
from reelforge.providers.llm import (
    CONFIGURED_PROVIDER,
    OFFLINE_PROVIDER,
    Completion,
    Done,
    Event,
    Message,
    complete,
    configured_model,
)
from reelforge.providers.llm_grammar import json_schema
from reelforge.providers.llm_tools import ARGUMENT_TOKENS, ToolSpec
from reelforge.providers.openai_compat import ProviderError
from reelforge.runtime import Runtime
from reelforge.sessions.context import ASSISTANT_SESSION, session_context
from reelforge.stages.llm_chat import assistant_turn, chat_completion, chat_completion_body, enhance_message
from reelforge.stages.outputs import Published, StageOutput

Route = Literal["chat", "enhance", "assistant"]
MAX_OUTPUT_TOKENS = 2048
# The offline tool steps' own instructions and tool schemas, in tokens (generous: measured ~150-250).
TOOL_PROMPT_TOKENS = 400
# Earlier turns of a session's thread replayed to the model (user + assistant messages).
THREAD_TURNS = 6


def estimated_input_tokens(messages: list[Message]) -> int:
    # Generous on purpose (BPE averages ~4 characters a token in English): the hold must not be
    # below what settles, and the difference is refunded at settlement.
    return sum((len(m["content"]) + len(m.get("tool_calls", ""))) // 3 + 8 for m in messages)


class LLMJob(ServedInput):
    """``provider`` (also whose token prices the hold uses): the deployment's configured endpoint or offline."""

    messages: list[Message]
    max_tokens: int
    temperature: float = 0.7


def _hold(job: LLMJob, prices: PriceTable, route: Route, tools: bool = False) -> int:
    if not tools:
        return prices.llm_credits(job.provider, estimated_input_tokens(job.messages), job.max_tokens, route)
    # Offline, a tool turn reads the prompt up to three times (choose, fill the arguments, or answer)
    # with instructions of its own; the hold covers that, and settles to what was measured.
    reads = 3 * (estimated_input_tokens(job.messages) + TOOL_PROMPT_TOKENS)
    return prices.llm_credits(job.provider, reads, job.max_tokens + ARGUMENT_TOKENS + 8, route)


def _settle(prices: PriceTable, route: Route) -> Callable[[Completion], int]:
    def price(c: Completion) -> int:
        return prices.llm_credits(c.provider, c.usage.input_tokens, c.usage.output_tokens, route)

    return price


def _provider(rt: Runtime) -> str:
    return CONFIGURED_PROVIDER if configured_model(rt.settings) is not None else OFFLINE_PROVIDER


def text_of(content: Any, field: str) -> str:
    """A message's text: a string, or the text of its ``input_text``/``text``/``output_text`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") in _TEXT_PARTS]
        return "\n".join(p for p in parts if isinstance(p, str))
    raise BadRequest(f"{field} content must be a string or a list of content parts.", field=field)


_TEXT_PARTS = ("input_text", "text", "output_text")
_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


def _message(m: dict[str, Any], role: str, where: str) -> Message:
    """One chat message; an assistant's ``tool_calls`` and a tool result's ``tool_call_id`` are kept
    (as text: providers/llm.py turns them back into the wire form for an endpoint)."""
    calls = m.get("tool_calls") if role == "assistant" else None
    if calls:
        if not isinstance(calls, list) or not all(isinstance(c, dict) and c.get("function") for c in calls):
            raise BadRequest(f"{where}.tool_calls must be a list of function calls.", field=f"{where}.tool_calls")
        content = m.get("content")
        return {"role": role, "content": text_of(content, where) if content else "", "tool_calls": json.dumps(calls)}
    message = {"role": role, "content": text_of(m.get("content", ""), where)}
    if role == "tool":
        message["tool_call_id"] = str(m.get("tool_call_id") or "")
    return message


def normalise_messages(raw: Any, field: str) -> list[Message]:
    """A string, one message, a list of messages or a list of content parts -> chat messages."""
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise BadRequest(f"{field} must be a string or a non-empty list of messages.", field=field)
    if all(isinstance(m, dict) and "role" not in m for m in raw):  # bare content parts: one user message
        return [{"role": "user", "content": text_of(raw, field)}]
    out: list[Message] = []
    for i, m in enumerate(raw):
        role = _ROLES.get(str(m.get("role"))) if isinstance(m, dict) else None
        if role is None:
            raise BadRequest(f"{field}[{i}].role must be one of {sorted(_ROLES)}.", field=field)
        out.append(_message(m, role, f"{field}[{i}]"))
    return out


# -- the chat gateway ---------------------------------------------------------------------------


class ChatCompletionRequest(RequestBody):
    model: str | None = None
    messages: list[dict[str, Any]] = Field(..., min_length=1)
    max_tokens: int = Field(
        256, ge=1, le=MAX_OUTPUT_TOKENS, validation_alias=aliases("max_tokens", "max_completion_tokens")
    )
    temperature: float = Field(0.7, ge=0, le=2)
    stream: bool = False
    async_: bool = Field(False, validation_alias=aliases("async", "async_mode", "asyncMode"))
    poll: bool = Field(False, validation_alias=aliases("poll", "polling"))
    response_mode: str | None = Field(None, validation_alias=aliases("response_mode", "responseMode"))
    tools: list[dict[str, Any]] = Field(default_factory=list, max_length=32)
    tool_choice: Any = None

    @property
    def queued(self) -> bool:
        """samsar-js's async methods add ``async: true, response_mode: 'polling'``."""
        return self.async_ or self.poll or (self.response_mode or "sync").lower() in ("async", "poll", "polling")


class ChatJob(LLMJob):
    tools: list[ToolSpec] = Field(default_factory=list)  # the client's functions: the model may call one
    forced_tool: str | None = None


_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def client_tools(tools: list[dict[str, Any]], tool_choice: Any) -> tuple[list[ToolSpec], str | None]:
    """Chat Completions ``tools`` (functions the client runs itself) and the one ``tool_choice`` forces.
    Each schema must be one the offline model can be held to (``providers.llm_grammar``)."""
    specs: list[ToolSpec] = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if tool.get("type") == "function" else None
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(function, dict) or not isinstance(name, str) or not _FUNCTION_NAME.match(name):
            raise BadRequest(f"tools[{i}] must be {{type: function, function: {{name, parameters}}}}.", field="tools")
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        try:
            json_schema(parameters)
        except (ProviderError, AttributeError, TypeError, ValueError, RecursionError) as exc:
            raise BadRequest(f"tools[{i}].function.parameters: {exc}", field=f"tools[{i}].function.parameters") from exc
        specs.append(ToolSpec(name, name, str(function.get("description") or name), parameters))
    if tool_choice == "none":
        return [], None
    forced = None
    if isinstance(tool_choice, dict):
        chosen = tool_choice.get("function")
        forced = chosen.get("name") if isinstance(chosen, dict) else tool_choice.get("name")
    elif tool_choice == "required" and len(specs) == 1:
        forced = specs[0].name
    if forced is not None and forced not in {t.name for t in specs}:
        raise BadRequest(f"tool_choice names {forced!r}, which tools does not offer.", field="tool_choice")
    return specs, forced


def _chat(ctx: StageContext[ChatJob]) -> StageOutput:
    job = ctx.job
    return chat_completion(
        ctx.env, job.messages, job.max_tokens, job.temperature, _settle(ctx.env.rt.prices, "chat"),
        tools=job.tools, forced_tool=job.forced_tool,
    )


class ChatCompletion(SingleStageKind[ChatCompletionRequest, ChatJob]):
    case_type = "chat_completion"
    media_type = "image"  # the requests table has two media types; a chat belongs to neither video list
    id_prefix = "chat"
    input_model = ChatJob
    only_stage = StageDef[ChatJob]("llm_completion", _chat)

    def prepare(self, body: ChatCompletionRequest, env: PrepareEnv) -> Prepared[ChatJob]:
        return Prepared(self.job(body, env.rt))

    @staticmethod
    def job(body: ChatCompletionRequest, rt: Runtime) -> ChatJob:
        messages = normalise_messages(body.messages, "messages")
        tools, forced = client_tools(body.tools, body.tool_choice)
        if tools and body.stream:
            raise BadRequest("stream: true with tools is not served; ask without stream.", field="stream")
        return ChatJob(
            messages=messages, max_tokens=body.max_tokens, temperature=body.temperature, provider=_provider(rt),
            tools=tools, forced_tool=forced,
        )

    def price(self, job: ChatJob, prices: PriceTable) -> int:
        return _hold(job, prices, "chat", tools=bool(job.tools))



CHAT_COMPLETION = register(ChatCompletion())


# -- enhance message -----------------------------------------------------------------------------


class EnhanceMessageRequest(RequestBody):
    message: str = Field(..., min_length=1, max_length=20_000)
    maxwords: int = Field(450, ge=1, le=1500, validation_alias=aliases("maxwords", "maxWords", "max_words"))
    language: str | None = Field(None, max_length=40)

    @field_validator("maxwords", mode="before")
    @classmethod
    def _numeric_text(cls, value: Any) -> Any:
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value


class EnhanceJob(LLMJob):
    message: str
    max_words: int
    language: str | None = None


def _enhance(ctx: StageContext[EnhanceJob]) -> StageOutput:
    job = ctx.job
    price = _settle(ctx.env.rt.prices, "enhance")
    return enhance_message(ctx.env, job.message, job.max_words, job.language, job.max_tokens, price)


class EnhanceMessage(SingleStageKind[EnhanceMessageRequest, EnhanceJob]):
    case_type = "chat_enhance"
    media_type = "image"
    id_prefix = "enh"
    input_model = EnhanceJob
    only_stage = StageDef[EnhanceJob]("llm_enhance", _enhance)

    def prepare(self, body: EnhanceMessageRequest, env: PrepareEnv) -> Prepared[EnhanceJob]:
        # Words -> tokens: ~1.4 tokens a word in English, with room for the model's own wrapping.
        max_tokens = min(MAX_OUTPUT_TOKENS, int(body.maxwords * 1.5) + 16)
        return Prepared(
            EnhanceJob(
                messages=[{"role": "user", "content": body.message}],
                max_tokens=max_tokens,
                provider=_provider(env.rt),
                message=body.message,
                max_words=body.maxwords,
                language=body.language,
            )
        )

    def price(self, job: EnhanceJob, prices: PriceTable) -> int:
        return _hold(job, prices, "enhance")



ENHANCE_MESSAGE = register(EnhanceMessage())


# -- the assistant -------------------------------------------------------------------------------


class AssistantCompletionRequest(RequestBody):
    session_id: str | None = Field(None, validation_alias=aliases("session_id", "sessionId", "id"))
    input: Any = Field(None, validation_alias=aliases("input", "message", "messages"))
    max_output_tokens: int = Field(
        300, ge=1, le=MAX_OUTPUT_TOKENS, validation_alias=aliases("max_output_tokens", "maxOutputTokens", "max_tokens")
    )
    temperature: float = Field(0.7, ge=0, le=2)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: Any = None


class AssistantJob(LLMJob):
    session_id: str | None = None
    tool_names: list[str] = Field(default_factory=list)  # reelforge tools offered (jobs/assistant_tools.py)
    forced_tool: str | None = None
    image_prompt: str | None = None
    image_size: tuple[int, int] = (1024, 1024)


def _assistant(ctx: StageContext[AssistantJob]) -> StageOutput:
    job = ctx.job
    price = _settle(ctx.env.rt.prices, "assistant")
    env = ctx.env
    return assistant_turn(
        env, job.messages, job.max_tokens, job.temperature, job.session_id, job.image_prompt, job.image_size, price,
        tools=assistant_tools.specs(job.tool_names),
        forced_tool=job.forced_tool,
        run_tool=lambda call, index: assistant_tools.run_tool(env, call, index),
    )


def _image_size(tool: dict[str, Any]) -> tuple[int, int]:
    size = str(tool.get("size") or "1024x1024")
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        return (1024, 1024)  # "auto" and the like
    if not (64 <= w <= 2048 and 64 <= h <= 2048):
        raise BadRequest("tools[].size must be WxH between 64 and 2048.", field="tools")
    return (w, h)


def thread(rt: Runtime, owner: Owner, session_id: str) -> list[Message]:
    """The earlier completed turns of this owner's assistant thread on ``session_id`` (an account's and each
    of its external users' threads are apart: one never continues, or reads, another's)."""
    from sqlalchemy import select

    with rt.db.session() as s:
        rows = list(
            s.execute(
                select(Request)
                .where(
                    Request.account_id == owner.account_id,
                    Request.external_user_id.is_(None)
                    if owner.external_user_id is None
                    else Request.external_user_id == owner.external_user_id,
                    Request.case_type == AssistantCompletion.case_type,
                    Request.status == "COMPLETED",
                )
                .order_by(Request.created_at.desc())
                .limit(200)
            ).scalars()
        )
    turns: list[Message] = []
    for row in reversed([r for r in rows if r.input.get("session_id") == session_id][:THREAD_TURNS]):
        asked = [m for m in row.input.get("messages", []) if m.get("role") == "user"]
        if asked:
            turns.append({"role": "user", "content": asked[-1]["content"]})
            turns.append({"role": "assistant", "content": str(row.result.get("output_text", ""))})
    return turns


class AssistantCompletion(SingleStageKind[AssistantCompletionRequest, AssistantJob]):
    case_type = "assistant_completion"
    media_type = "image"
    id_prefix = "asst"
    input_model = AssistantJob
    only_stage = StageDef[AssistantJob]("llm_assistant", _assistant)

    def prepare(self, body: AssistantCompletionRequest, env: PrepareEnv) -> Prepared[AssistantJob]:
        asked = normalise_messages(body.input, "input")
        system = assistant_prompts.prompt_for(env.rt.db, env.owner)
        history: list[Message] = []
        if body.session_id:
            # Labelled: told what the block is, the offline 135M model recalled a fact of the thread's first
            # turn in 22 of 24 varied sessions, against 20 of 24 with the bare block.
            context = session_context(env.rt, env.owner, body.session_id)
            system += "\n\nThe video session you are helping with:\n" + context
            history = thread(env.rt, env.owner, body.session_id)
        tool_names, forced_tool = assistant_tools.offered(body.tools, body.tool_choice)
        image_tool = next((t for t in body.tools if t.get("type") == "image_generation"), None)
        wants_image = image_tool is not None and body.tool_choice != "none"
        prompt = "\n".join(m["content"] for m in asked if m["role"] == "user").strip()
        job = AssistantJob(
            # The owner's prompt and the session first, then the thread, then this turn.
            messages=[{"role": "system", "content": system}, *history, *asked],
            max_tokens=body.max_output_tokens,
            temperature=body.temperature,
            provider=_provider(env.rt),
            session_id=body.session_id,
            image_prompt=(prompt or "A clean launch poster") if wants_image else None,
            image_size=_image_size(image_tool) if image_tool else (1024, 1024),
            tool_names=tool_names,
            forced_tool=forced_tool,
        )
        return Prepared(job)

    def price(self, job: AssistantJob, prices: PriceTable) -> int:
        return _hold(job, prices, "assistant", tools=bool(job.tool_names))



ASSISTANT_COMPLETION = register(AssistantCompletion())


# -- blank assistant sessions (/v1/external_users/utils/assistant_session) --------------------------


class AssistantSessionRequest(RequestBody):
    session_name: str | None = Field(
        None, max_length=300, validation_alias=aliases("session_name", "sessionName", "name", "title")
    )
    session_type: str = Field("assistant", max_length=40, validation_alias=aliases("session_type", "sessionType"))


class AssistantSessionJob(JobInput):
    session_name: str | None = None
    session_type: str = "assistant"


def _open_session(ctx: StageContext[AssistantSessionJob]) -> StageOutput:
    # Nothing to compute: the request row itself is the session (owned, listed, extreq_ for an external
    # user); its completions thread on its id (``thread``) and ``session_context`` describes it.
    job = ctx.job
    sid = ctx.env.request_id
    return Published(
        result={"session_id": sid, "session_type": job.session_type, "session_name": job.session_name,
                "created_at": wire_time(ctx.env.request.created_at)},
        final_price=0,
    )


class AssistantSession(SingleStageKind[AssistantSessionRequest, AssistantSessionJob]):
    """A blank assistant thread whose id later completions name as ``session_id`` (free)."""

    case_type = ASSISTANT_SESSION
    media_type = "image"
    id_prefix = "asess"
    input_model = AssistantSessionJob
    only_stage = StageDef[AssistantSessionJob]("assistant_session", _open_session)

    def prepare(self, body: AssistantSessionRequest, env: PrepareEnv) -> Prepared[AssistantSessionJob]:
        return Prepared(AssistantSessionJob(session_name=body.session_name, session_type=body.session_type))

    def price(self, job: AssistantSessionJob, prices: PriceTable) -> int:
        return 0


ASSISTANT_SESSION_KIND = register(AssistantSession())


def run_streamed(rt: Runtime, request_id: str, job: LLMJob) -> Iterator[Event]:
    """Run an accepted (not enqueued) chat request in this process, yielding its events as they are
    generated, then settle it to the measured usage. A failure or a client that goes away ends it
    FAILED and refunded. It heartbeats while it runs, so the submission recoverer leaves it to this
    process unless the process dies (``pipeline.recovery.inline_heartbeat``)."""
    done: Done | None = None
    parts: list[str] = []
    try:
        with inline_heartbeat(rt, request_id):
            for event in complete(rt.settings, job.messages, job.max_tokens, job.temperature, stream=True):
                if isinstance(event, Done):
                    done = event
                else:
                    parts.append(event.text)
                yield event
    except BaseException as exc:  # GeneratorExit too: the client disconnected mid-stream
        requests.fail(rt.db, request_id, f"chat stream ended early: {exc.__class__.__name__}")
        raise
    if done is None:
        requests.fail(rt.db, request_id, "the language model ended without usage")
        return
    c = Completion("".join(parts), done.usage, done.finish_reason, done.provider, done.model)
    body = chat_completion_body(f"chatcmpl-{request_id}", c)
    requests.complete(rt.db, request_id, {"response": body, "provider": c.provider}, _settle(rt.prices, "chat")(c))
