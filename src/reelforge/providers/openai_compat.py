"""A small typed client for OpenAI-compatible HTTP endpoints.

Only the three protocols the pipeline needs are covered: chat completions (script and CTA
texts), image generations, and audio speech. Any transport or protocol failure surfaces as
:class:`ProviderError` so callers can handle "the model provider failed" in one place.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx


class ProviderError(RuntimeError):
    """A model provider could not produce a usable result."""


class OpenAICompatClient:
    """Talks to an OpenAI-compatible server (OpenAI, vLLM, LocalAI, Ollama, ...).

    ``base_url`` may be given with or without the trailing ``/v1``.
    """

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 60.0) -> None:
        root = base_url.rstrip("/")
        if root.endswith("/v1"):
            root = root[: -len("/v1")]
        self.base_url = root
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._headers = headers

    # -- transport -------------------------------------------------------------------------

    def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        url = f"{self.base_url}/v1/{path}"
        try:
            response = httpx.post(url, json=payload, headers=self._headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ProviderError(f"request to {url} failed: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text[:500]
            raise ProviderError(f"{url} answered HTTP {response.status_code}: {detail}")
        return response

    def _post_json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self._post(path, payload)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"/v1/{path} returned a non-JSON body: {response.text[:200]}") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"/v1/{path} returned JSON that is not an object")
        return body

    def _get_bytes(self, url: str) -> bytes:
        try:
            response = httpx.get(url, timeout=self.timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ProviderError(f"download of {url} failed: {exc}") from exc
        if response.status_code >= 400:
            raise ProviderError(f"download of {url} answered HTTP {response.status_code}")
        return response.content

    # -- protocols -------------------------------------------------------------------------

    def chat(
        self,
        messages: list[dict[str, Any]],
        model: str,
        response_format_json: bool = False,
        temperature: float = 0.7,
    ) -> str:
        """Return the assistant message content of one chat completion."""
        payload: dict[str, Any] = {"model": model, "messages": messages, "temperature": temperature}
        if response_format_json:
            payload["response_format"] = {"type": "json_object"}
        body = self._post_json("chat/completions", payload)
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"chat completion without choices[0].message.content: {body!r:.300}") from exc
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
        payload = {"model": model, "prompt": prompt, "size": size, "n": 1}
        body = self._post_json("images/generations", payload)
        try:
            item = body["data"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("image generation response has no data[0]") from exc
        if not isinstance(item, dict):
            raise ProviderError("image generation data[0] is not an object")
        if item.get("b64_json"):
            try:
                return base64.b64decode(item["b64_json"], validate=True)
            except ValueError as exc:
                raise ProviderError("image generation b64_json is not valid base64") from exc
        if item.get("url"):
            return self._get_bytes(str(item["url"]))
        raise ProviderError("image generation data[0] has neither b64_json nor url")

    def speech(self, text: str, model: str, voice: str, fmt: str = "wav") -> bytes:
        """Synthesize ``text``; returns the audio file bytes in ``fmt``."""
        payload = {"model": model, "input": text, "voice": voice, "response_format": fmt}
        audio = self._post("audio/speech", payload).content
        if not audio:
            raise ProviderError("speech endpoint returned an empty body")
        return audio


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
