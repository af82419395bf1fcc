"""Exception handlers: every error leaves as JSON with a message and, when known, the field."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reelforge.core.errors import ApiError, split_field

log = logging.getLogger("reelforge.api")


def _field_of(loc: tuple[object, ...]) -> str:
    # Drop the transport part ("body", "query") and the wrapper key; keep the field path.
    parts = [str(p) for p in loc if p not in ("body", "query", "header", "path", "input")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.response_headers() or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The spec answers bad input with 400, not FastAPI's default 422.
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        # A model-level check may name the field itself (ctx.field), e.g. "metadata.a" for a NaN inside.
        ctx = first.get("ctx")
        named = ctx.get("field") if isinstance(ctx, dict) else None
        field = str(named or _field_of(tuple(first.get("loc", ()))))
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if field == "body" and not named:
            # A whole-model check starts its message with the field the user must change.
            prefixed, rest = split_field(msg)
            if prefixed:
                field, msg = prefixed, rest
        if first.get("type") == "json_invalid":
            field, msg = "body", "Request body is not valid JSON."
        details = [{"field": _field_of(tuple(e.get("loc", ()))), "message": str(e.get("msg"))} for e in errors]
        return JSONResponse(
            {"error": "invalid_request", "message": f"{field}: {msg}", "field": field, "details": details},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_error", "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"error": "internal_error", "message": "Internal server error."}, status_code=500)
