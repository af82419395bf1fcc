"""OpenAI-compatible model endpoints through the official ``openai`` SDK.

Only the three protocols the pipeline needs are used: chat completions (script, CTA texts and
vision titles), image generations, and audio speech. The SDK brings retries with backoff
(5xx, 429, timeouts, connection errors; it honours ``retry-after``), a pooled HTTP client and
typed responses; this module adds what reelforge needs on top: any failure surfaces as
:class:`ProviderError`, so callers handle "the model provider failed" in one place, and JSON
replies are parsed leniently because many compatible servers wrap them in Markdown fences.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal, cast

import httpx
import openai
from openai.types.chat import ChatCompletionMessageParam

# The SDK's default: a call is tried at most 1 + MAX_RETRIES times before ProviderError.
MAX_RETRIES = 2

SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]

# Sent per request to drop the SDK's Authorization header: keyless local servers (Ollama,
# LocalAI, vLLM without --api-key) need no key, and a placeholder key must never leave the host.
_NO_AUTH: dict[str, Any] = {"Authorization": openai.Omit()}
_PLACEHOLDER_KEY = "unused"


class ProviderError(RuntimeError):
    """A model provider could not produce a usable result."""


@functools.lru_cache(maxsize=16)
def _sdk_client(base_url: str, api_key: str | None, timeout: float, max_retries: int) -> openai.OpenAI:
    """One SDK client (and so one connection pool) per endpoint configuration, shared by every
    provider of the process: providers are built per request and would otherwise reconnect."""
    # An explicit key, never the SDK's OPENAI_API_KEY fallback: a deployment configures its
    # endpoint in reelforge's settings, and an unrelated variable must not be sent to it.
    return openai.OpenAI(
        base_url=base_url, api_key=api_key or _PLACEHOLDER_KEY, timeout=timeout, max_retries=max_retries
    )


class OpenAICompatClient:
    """Talks to an OpenAI-compatible server (OpenAI, vLLM, LocalAI, Ollama, ...).

    ``base_url`` may be given with or without the trailing ``/v1``.
    """

    def __init__(
        self, base_url: str, api_key: str | None, timeout: float = 60.0, max_retries: int = MAX_RETRIES
    ) -> None:
        root = base_url.rstrip("/").removesuffix("/v1")
        self.base_url = root
        self.timeout = timeout
        self._sdk = _sdk_client(f"{root}/v1", api_key or None, timeout, max_retries)
        self._extra_headers = {} if api_key else _NO_AUTH

    @property
    def sdk(self) -> openai.OpenAI:
        """The shared SDK client, for protocols this class does not wrap (streamed chat in providers/llm.py)."""
        return self._sdk

    @property
    def extra_headers(self) -> dict[str, Any]:
        """Headers every call must send (drops Authorization for keyless endpoints)."""
        return self._extra_headers

    # -- protocols -------------------------------------------------------------------------

    def chat(
        self,
        messages: list[dict[str, Any]],
        model: str,
        response_format_json: bool = False,
        temperature: float = 0.7,
    ) -> str:
        """Return the assistant message content of one chat completion."""
        # Plain dicts keep the callers free of the SDK's TypedDicts; the wire shape is the same.
        params = cast(Iterable[ChatCompletionMessageParam], messages)
        with provider_errors():
            completion = self._sdk.chat.completions.create(
                model=model,
                messages=params,
                temperature=temperature,
                response_format={"type": "json_object"} if response_format_json else openai.omit,
                extra_headers=self._extra_headers,
            )
        content = completion.choices[0].message.content if completion.choices else None
        if not isinstance(content, str) or not content.strip():
            raise ProviderError("chat completion returned empty content")
        return content

    def chat_json(
        self,
        messages: list[dict[str, Any]],
        model: str,
        temperature: float = 0.7,
    ) -> dict[str, Any]:
        """Chat in JSON mode and parse the reply as a JSON object."""
        content = self.chat(messages, model, response_format_json=True, temperature=temperature)
        parsed = _parse_json_object(content)
        if parsed is None:
            raise ProviderError(f"chat reply is not a JSON object: {content[:300]}")
        return parsed

    def generate_image(self, prompt: str, model: str, size: str) -> bytes:
        """Generate one image; returns the encoded image bytes (PNG/JPEG/WebP)."""
        with provider_errors():
            response = self._sdk.images.generate(
                model=model, prompt=prompt, size=size, n=1, extra_headers=self._extra_headers
            )
        item = response.data[0] if response.data else None
        if item is None:
            raise ProviderError("image generation response has no data[0]")
        if item.b64_json:
            try:
                return base64.b64decode(item.b64_json, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderError("image generation b64_json is not valid base64") from exc
        if item.url:
            return self._download(item.url)
        raise ProviderError("image generation data[0] has neither b64_json nor url")

    def speech(self, text: str, model: str, voice: str, fmt: SpeechFormat = "wav") -> bytes:
        """Synthesize ``text``; returns the audio file bytes in ``fmt``."""
        with provider_errors():
            response = self._sdk.audio.speech.create(
                model=model, input=text, voice=voice, response_format=fmt, extra_headers=self._extra_headers
            )
        audio = response.content
        if not audio:
            raise ProviderError("speech endpoint returned an empty body")
        return audio

    def _download(self, url: str) -> bytes:
        # Not through the SDK: image URLs point at a storage host, which must not get the API key.
        try:
            response = httpx.get(url, timeout=self.timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ProviderError(f"download of {url} failed: {exc}") from exc
        if response.status_code >= 400:
            raise ProviderError(f"download of {url} answered HTTP {response.status_code}")
        return response.content


@contextlib.contextmanager
def provider_errors() -> Iterator[None]:
    """Turn the SDK's exceptions (raised after its retries) into :class:`ProviderError`."""
    try:
        yield
    except openai.APIStatusError as exc:
        detail = exc.response.text[:500]
        raise ProviderError(f"{exc.request.url} answered HTTP {exc.status_code}: {detail}") from exc
    except openai.APIConnectionError as exc:  # includes APITimeoutError
        raise ProviderError(f"request to {exc.request.url} failed: {exc}") from exc
    except openai.OpenAIError as exc:  # e.g. a 200 whose body is not the expected JSON
        raise ProviderError(f"OpenAI-compatible endpoint failed: {exc}") from exc


def _parse_json_object(content: str) -> dict[str, Any] | None:
    """Parse a JSON object, tolerating the Markdown code fences some models add."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text.split("\n", 1)[1] if "\n" in text else text
        text = text.removeprefix("json").strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            return None
        try:
            value = json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None
