"""Pieces of ``wait``/``download``/webhook handling shared by the sync and async clients."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urljoin, urlsplit

from reelforge import standard_webhooks
from reelforge.client._config import ClientConfig
from reelforge.client.errors import JobFailedError, WaitTimeoutError, WebhookVerificationError
from reelforge.client.events import ProgressEvent
from reelforge.client.models import RequestStatus

ProgressCallback = Callable[[RequestStatus], Any]
"""Called with the latest status whenever the request's state or any stage's state changes."""
EventCallback = Callable[[ProgressEvent], Any]
"""Called with each progress event of the request's stream."""


class WaitOptions(TypedDict, total=False):
    """``wait``'s keyword options, declared once for the sync and the async client.

    timeout: seconds before ``WaitTimeoutError`` (default 900). poll_interval: seconds between
    polls (default 1). on_progress: called with the status whenever the status or a stage in
    ``status.stages`` (``expressGenerationStatus``) changes; on the async client it may be a
    coroutine function; given, the wait polls instead of following the event stream. on_event:
    called with each progress event of the stream (stage, percent, ETA), a coroutine function
    allowed on the async client. raise_on_failure: a FAILED/CANCELLED end raises ``JobFailedError``
    (default True)."""

    timeout: float
    poll_interval: float
    on_progress: ProgressCallback | None
    raise_on_failure: bool
    on_event: EventCallback | None


@dataclass
class WaitState:
    """The polling loop's memory: when to give up, and what the callback has already seen."""

    request_id: str
    timeout: float = 900.0
    poll_interval: float = 1.0
    on_progress: ProgressCallback | None = None
    raise_on_failure: bool = True
    on_event: EventCallback | None = None
    started: float = field(default_factory=time.monotonic)
    last_seen: tuple[str, tuple[tuple[str, str], ...]] | None = None

    def progress(self, status: RequestStatus) -> Any:
        """Calls ``on_progress`` when the status or a stage changed since the last poll; returns what it returned."""
        seen = (status.status, tuple(sorted(status.stages.items())))
        if self.on_progress is None or seen == self.last_seen:
            return None
        self.last_seen = seen
        return self.on_progress(status)

    @property
    def streams(self) -> bool:
        """Whether the wait follows the event stream first (an ``on_progress`` caller wants polled statuses)."""
        return self.on_progress is None

    def notify(self, event: ProgressEvent) -> Any:
        """Calls ``on_event``; returns what it returned."""
        return None if self.on_event is None else self.on_event(event)

    def ended(self, event: ProgressEvent) -> bool:
        return event.is_terminal or self.expired()

    def expired(self) -> bool:
        return time.monotonic() - self.started >= self.timeout

    def next_sleep(self, status: RequestStatus) -> float:
        """Seconds until the next poll; raises when the deadline has passed."""
        remaining = self.timeout - (time.monotonic() - self.started)
        if remaining <= 0:
            raise WaitTimeoutError(
                f"{self.request_id} is still {status.status} after {self.timeout:g}s", body=status.to_dict()
            )
        return min(self.poll_interval, remaining)

    def finish(self, status: RequestStatus) -> RequestStatus:
        if self.raise_on_failure and not status.is_completed:
            reason = status.express_generation_error or status.message or status.status
            raise JobFailedError(f"{status.request_id} ended {status.status}: {reason}", body=status.to_dict())
        return status


def resolve_download(config: ClientConfig, url: str) -> tuple[str, dict[str, str]]:
    """The absolute URL, and the headers to send: our API key only to the API's own origin."""
    absolute = urljoin(config.origin + "/", url)
    parts = urlsplit(absolute)
    same_origin = f"{parts.scheme}://{parts.netloc}" == config.origin
    headers = {k: v for k, v in config.headers().items() if same_origin or k.lower() == "user-agent"}
    headers["Accept"] = "*/*"
    return absolute, headers


def temp_beside(path: Path) -> tuple[int, Path]:
    """A temporary file in the destination's directory, so the final rename is atomic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.part"
    # os.open with 0o666 (not mkstemp's 0o600): the saved file gets the usual umask permissions.
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp


def replace_into(tmp: Path, path: Path) -> Path:
    os.replace(tmp, path)
    return path


def verify_webhook(body: bytes | str, headers: Mapping[str, str], secret: str, *, tolerance_s: int = 300) -> bool:
    """True when a delivery's Standard Webhooks signature matches ``secret`` and its timestamp is
    within ``tolerance_s`` (at most the standard's 300 s)."""
    raw = body.encode() if isinstance(body, str) else body
    return standard_webhooks.verify(secret, raw, headers, tolerance_s=tolerance_s)


def parse_webhook(
    body: bytes | str, headers: Mapping[str, str], secret: str, *, tolerance_s: int = 300
) -> RequestStatus:
    """The delivered status body, after checking its signature; raises ``WebhookVerificationError``."""
    if not verify_webhook(body, headers, secret, tolerance_s=tolerance_s):
        raise WebhookVerificationError("Webhook signature or timestamp did not verify.", headers=dict(headers))
    return RequestStatus.from_wire(json.loads(body))
