"""Values no route can store or answer with: NUL characters, unpaired UTF-16 surrogates and
non-finite numbers (``NaN``, ``Infinity``, which Python's JSON parser accepts).

PostgreSQL refuses NUL in text and JSON, a lone surrogate cannot be encoded as UTF-8 (file
names, subtitles, logs), and a NaN echoed in a response makes the JSON encoder fail after the
charge. All are refused at the door with 400, in bodies (``jobs.body.RequestBody`` calls
:func:`core.unstorable.unstorable_path`) and in the URL
(:class:`UrlTextGuardMiddleware`), so a hostile value never reaches the database or a worker.
"""

from __future__ import annotations

from urllib.parse import unquote

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class UrlTextGuardMiddleware:
    """400 for a path or query string that decodes to NUL (``%00``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode("latin-1")
            if "\x00" in str(scope.get("path", "")) or "\x00" in unquote(query.replace("+", " ")):
                response = JSONResponse(
                    {"error": "invalid_request", "message": "URL must not contain NUL characters.", "field": "url"},
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(UrlTextGuardMiddleware)
