"""Client configuration: explicit arguments first, then ``REELFORGE_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from reelforge import __version__

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
SAMSAR_BASE_URL = "https://api.samsar.one/v1"
USER_AGENT = f"reelforge-python/{__version__}"


def normalize_base_url(url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1/`` both mean ``http://host:8000/v1``:
    method paths are relative to the API version root, as in samsar-js."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, got {url!r}")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for connection errors, 408/429/5xx and in-flight idempotent replays."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class ClientConfig:
    api_key: str | None
    base_url: str
    timeout: float
    default_headers: Mapping[str, str] = field(default_factory=dict)
    external_user_api_key: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        default_headers: Mapping[str, str] | None,
        external_user_api_key: str | None,
        max_retries: int,
    ) -> ClientConfig:
        key = api_key if api_key is not None else os.environ.get("REELFORGE_API_KEY")
        url = base_url or os.environ.get("REELFORGE_BASE_URL") or DEFAULT_BASE_URL
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        return cls(
            api_key=(key or "").strip() or None,
            base_url=normalize_base_url(url),
            timeout=timeout,
            default_headers=dict(default_headers or {}),
            external_user_api_key=external_user_api_key,
            retry=RetryPolicy(max_retries=max_retries),
        )

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.external_user_api_key:
            headers["x-external-user-api-key"] = self.external_user_api_key
        headers.update(self.default_headers)
        return headers
