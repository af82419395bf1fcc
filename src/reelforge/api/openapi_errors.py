"""The error answers, as ``/openapi.json`` documents them.

FastAPI documents only the success answer and a 422 we never send (validation errors leave as
400, see ``api/errors.py``). This replaces the 422 on every API operation with the statuses the
operation really answers with, all in the one JSON error shape, so clients and schema-driven
fuzzers (tests/hostile) see the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """Every error: a stable code, a human message, the blamed input field when there is one,
    and sometimes more (``details`` of a validation error, ``retry_after``, credit figures)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(..., description="stable machine-readable code, e.g. invalid_request, rate_limited")
    message: str = Field(..., description="what went wrong, for humans")
    field: str | None = Field(None, description="the input field to blame, when there is one")


_REF = {"$ref": "#/components/schemas/ErrorBody"}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string", "pattern": r"^\d+$"}}
}

# status -> (description, extra response headers)
EVERY_OPERATION: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("Invalid input (validation errors included), or a missing/malformed API key", {}),
    "401": ("Unknown or revoked API key", {}),
    "404": ("No such request, session or template for this account", {}),
    "413": ("Request body (or a referenced input) too large", {}),
    "429": ("Rate limited per API key, or too many pending jobs for the account", _RETRY_AFTER),
}
# Operations that create a job (POST) may also be refused for money or a reused Idempotency-Key.
POST_OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "402": ("Not enough credits; nothing was charged or enqueued", {}),
    "409": ("Idempotency-Key reused with a different body", {}),
}


def _error_response(description: str, headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _REF}}}
    if headers:
        response["headers"] = headers
    return response


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an OpenAPI document in place: drop the 422s, add the real error statuses."""
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(("/v1/", "/v2/", "/users/")):  # /users/verify_token: samsar-js calls it unversioned
            continue
        for method, operation in item.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            statuses = {**EVERY_OPERATION, **(POST_OPERATIONS if method == "post" else {})}
            for status, (description, headers) in statuses.items():
                responses.setdefault(status, _error_response(description, headers))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
