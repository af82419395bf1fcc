"""A ``Call`` is one API request described as data, before any I/O.

Endpoint builders (``endpoints_*.py``) turn a method's arguments into a ``Call``; the sync and
async clients execute the same ``Call`` objects, so each endpoint's logic is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypedDict, TypeVar

from reelforge.client.models import ApiModel

T = TypeVar("T", bound=ApiModel)


class ReadOptions(TypedDict, total=False):
    """Per-call options every method accepts as keyword arguments."""

    timeout: float
    """Seconds for this call, instead of the client's timeout."""
    extra_headers: Mapping[str, str]
    """Headers added to this call only."""


class CallOptions(ReadOptions, total=False):
    """Per-call options of the POST methods."""

    webhook_url: str
    """Receives the final status body (Standard Webhooks signed) when the job ends."""
    idempotency_key: str
    """Overrides the key generated for this POST (reuse it to make your own retries safe)."""


OPTION_KEYS = CallOptions.__optional_keys__

# (field name, file name, bytes, content type)
FilePart = tuple[str, str, bytes, str]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: Literal["GET", "POST"]
    path: str
    """Relative to the base URL (which ends in ``/v1``), e.g. ``video/create``."""
    model: type[T]
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)
    options: CallOptions = field(default_factory=lambda: CallOptions())


def split_options(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], CallOptions]:
    """Separate per-call options from request fields in a method's ``**kwargs``."""
    fields = {k: v for k, v in kwargs.items() if k not in OPTION_KEYS}
    options = CallOptions(**{k: v for k, v in kwargs.items() if k in OPTION_KEYS})  # type: ignore[typeddict-item]
    return fields, options


def merged(input: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The request fields: the positional ``input`` mapping overlaid with keyword fields, Nones dropped."""
    out = dict(input or {})
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def post_wrapped(path: str, model: type[T], input: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> Call[T]:
    """A POST whose body is samsar-js's ``{"input": {...}, "webhookUrl": ...}`` (the video routes)."""
    fields, options = split_options(kwargs)
    body: dict[str, Any] = {"input": merged(input, fields)}
    if "webhook_url" in options:
        body["webhookUrl"] = options["webhook_url"]
    return Call("POST", path, model, json=body, options=options)


def post_flat(path: str, model: type[T], input: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> Call[T]:
    """A POST with a flat JSON body (the image routes, as samsar-js sends them)."""
    fields, options = split_options(kwargs)
    body = merged(input, fields)
    if "webhook_url" in options:
        body["webhookUrl"] = options["webhook_url"]
    return Call("POST", path, model, json=body, options=options)


def get(path: str, model: type[T], params: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> Call[T]:
    _, options = split_options(kwargs)
    query = {k: str(v) for k, v in (params or {}).items() if v is not None}
    return Call("GET", path, model, params=query, options=options)


def require(value: Any, name: str) -> str:
    """A required identifier argument, checked before anything is sent (as samsar-js does)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is required")
    return value.strip()
