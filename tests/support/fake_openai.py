"""A real, deterministic OpenAI-compatible HTTP server for tests.

Speaks the three protocols reelforge's HTTP providers use, on a free loopback port, in a
background thread (stdlib ``http.server``, no extra dependencies):

* ``POST /v1/chat/completions`` — replies with ``chat_reply(messages, body)`` if given, else
  an echo: in JSON mode ``{"echo": <last user message>, "model": ..., "message_count": n,
  "word_count": ...}``, otherwise the text ``"echo: <last user message>"``.
* ``POST /v1/images/generations`` — a real PNG of the requested ``size`` (a gradient whose
  colours derive from the prompt), as ``b64_json``, or as a ``url`` served by this server
  when the request says ``"response_format": "url"`` (or the server was built with
  ``image_response="url"``).
* ``POST /v1/audio/speech`` — a real 16-bit mono WAV (24 kHz) of a tone lasting
  ``SECONDS_PER_CHAR * len(input)`` seconds (at least ``MIN_SPEECH_S``); ``response_format``
  must be ``wav`` or ``pcm`` (raw samples), anything else is a 400.

Reuse from any test (``from support.fake_openai import FakeOpenAIServer``)::

    with FakeOpenAIServer(api_key="sk-test") as srv:
        client = OpenAICompatClient(srv.base_url, "sk-test")
        ...
        srv.fail("/v1/chat/completions", status=500)   # the next such request answers 500
        assert srv.requests[-1].path == "/v1/chat/completions"

Script-writing tests can pass ``chat_reply=lambda messages, body: {...}`` (a dict is sent
as JSON text, a str as-is) to return a scene plan of their own.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx
import numpy as np
from PIL import Image

SECONDS_PER_CHAR = 0.06
MIN_SPEECH_S = 0.3
SPEECH_SAMPLE_RATE = 24000
RETRY_AFTER_MS = 10

ChatReply = Callable[[list[dict[str, Any]], dict[str, Any]], "dict[str, Any] | str"]


@dataclass
class RecordedRequest:
    path: str
    body: dict[str, Any]
    # Case-insensitive, as HTTP header names are (the openai SDK sends them lower-cased).
    headers: httpx.Headers = field(default_factory=httpx.Headers)


def speech_duration_for(text: str) -> float:
    """The duration the fake server gives speech for ``text`` (tests assert on it)."""
    return max(MIN_SPEECH_S, SECONDS_PER_CHAR * len(text))


def tone_wav(duration_s: float, sample_rate: int = SPEECH_SAMPLE_RATE, freq: float = 220.0) -> bytes:
    """A 16-bit mono WAV of an amplitude-modulated tone (syllable-like bursts)."""
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t)
    samples = (0.4 * 32767 * envelope * np.sin(2 * np.pi * freq * t)).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())
    return buffer.getvalue()


def gradient_png(prompt: str, width: int, height: int) -> bytes:
    """A deterministic two-colour gradient PNG derived from ``prompt``."""
    digest = hashlib.sha256(prompt.encode()).digest()
    top = np.array(list(digest[0:3]), dtype=np.float64)
    bottom = np.array(list(digest[3:6]), dtype=np.float64)
    mix = np.linspace(0.0, 1.0, height)[:, None, None]
    rows = top * (1 - mix) + bottom * mix
    pixels = np.broadcast_to(rows, (height, width, 3)).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


class FakeOpenAIServer:
    """Context manager running the fake server; see the module docstring."""

    def __init__(
        self,
        api_key: str | None = None,
        chat_reply: ChatReply | None = None,
        image_response: str = "b64_json",
    ) -> None:
        self.api_key = api_key
        self.chat_reply = chat_reply
        self.image_response = image_response  # "b64_json" or "url" when a request names neither
        self.requests: list[RecordedRequest] = []
        self._failures: dict[str, list[int]] = {}
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        # A short poll interval keeps shutdown (and so each test using the server) fast.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, path: str, status: int = 500, times: int = 1) -> None:
        """Make the next ``times`` requests to ``path`` answer ``status``.

        Failures carry ``retry-after-ms``, so a client that retries (the ``openai`` SDK does, see
        ``reelforge.providers.openai_compat.MAX_RETRIES``) retries at once; to make a call fail,
        fail every one of its attempts."""
        with self._lock:
            self._failures.setdefault(path, []).extend([status] * times)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- request handling (called from the handler threads) ---------------------------------

    def _take_failure(self, path: str) -> int | None:
        with self._lock:
            queued = self._failures.get(path)
            return queued.pop(0) if queued else None

    def _store_file(self, data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest()[:16] + ".png"
        with self._lock:
            self._files[name] = data
        return f"{self.base_url}/files/{name}"

    def _file(self, name: str) -> bytes | None:
        with self._lock:
            return self._files.get(name)

    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages") or []
        json_mode = (body.get("response_format") or {}).get("type") == "json_object"
        if self.chat_reply is not None:
            reply = self.chat_reply(messages, body)
            content = reply if isinstance(reply, str) else json.dumps(reply)
        else:
            last_user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
            if json_mode:
                content = json.dumps(
                    {
                        "echo": last_user,
                        "model": body.get("model"),
                        "message_count": len(messages),
                        "word_count": len(last_user.split()),
                    }
                )
            else:
                content = f"echo: {last_user}"
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        }

    def _image(self, body: dict[str, Any]) -> dict[str, Any]:
        width, height = (int(v) for v in str(body.get("size", "256x256")).lower().split("x"))
        png = gradient_png(str(body.get("prompt", "")), width, height)
        if body.get("response_format", self.image_response) == "url":
            return {"created": 0, "data": [{"url": self._store_file(png)}]}
        return {"created": 0, "data": [{"b64_json": base64.b64encode(png).decode()}]}


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Keep test output quiet."""

        def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_json(self, status: int, obj: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(obj).encode(), "application/json", headers)

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            self._send_json(status, {"error": {"message": message, "type": "fake_error"}}, headers)

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            data = server._file(self.path.removeprefix("/files/"))
            if data is None:
                self._error(404, "no such file")
            else:
                self._send(200, data, "image/png")

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._error(400, "body is not JSON")
                return
            server.requests.append(RecordedRequest(self.path, body, httpx.Headers(self.headers.items())))
            if server.api_key and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                self._error(401, "invalid api key")
                return
            injected = server._take_failure(self.path)
            if injected is not None:
                # OpenAI's own header: the SDK's retry then waits 10 ms instead of its 0.5-8 s backoff.
                self._error(injected, "injected failure", {"retry-after-ms": str(RETRY_AFTER_MS)})
                return
            if self.path == "/v1/chat/completions":
                self._send_json(200, server._chat(body))
            elif self.path == "/v1/images/generations":
                self._send_json(200, server._image(body))
            elif self.path == "/v1/audio/speech":
                self._speech(body)
            else:
                self._error(404, f"unknown route {self.path}")

        def _speech(self, body: dict[str, Any]) -> None:
            fmt = body.get("response_format", "mp3")
            text = str(body.get("input", ""))
            if not text:
                self._error(400, "input is required")
                return
            wav = tone_wav(speech_duration_for(text))
            if fmt == "wav":
                self._send(200, wav, "audio/wav")
            elif fmt == "pcm":
                self._send(200, wav[44:], "audio/pcm")
            else:
                self._error(400, f"unsupported response_format {fmt}")

    return Handler
