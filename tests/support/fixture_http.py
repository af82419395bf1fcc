"""The fixture HTTP server: one per test process (fixture ``fixture_http`` in tests/conftest.py).

It serves the media tests hand to the API by URL, redirects (SSRF tests), scripted answers
(SDK retry tests, an OpenAI-compatible vision endpoint) and receives webhooks. Tests register
routes under paths of their own, so they share the one server without stepping on each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, dict[str, str], bytes]]


class FixtureHTTP:
    """A local HTTP server with scripted routes: serve bytes, redirect, or receive webhooks."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.received.append((self.path, dict(self.headers.items()), body))
                responder = outer.routes.get(self.path.split("?")[0])
                status, headers, payload = responder(self, body) if responder else (404, {}, b"not found")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_bytes(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.routes[path] = lambda _h, _b: (200, {"content-type": content_type}, data)
        return self.base_url + path

    def redirect(self, path: str, location: str) -> str:
        self.routes[path] = lambda _h, _b: (302, {"location": location}, b"")
        return self.base_url + path

    def __enter__(self) -> FixtureHTTP:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
