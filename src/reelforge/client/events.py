"""A request's progress as a stream (``GET /v1/requests/{id}/events``, server-sent events).

``Client.stream(request_id)`` / ``async for event in AsyncClient.events(request_id)`` yield
:class:`ProgressEvent` s until the request ends. A dropped connection is resumed with
``Last-Event-ID``: the server answers exactly the events after the last one seen, so none is
missed or repeated."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse, connect_sse

from reelforge.client._config import ClientConfig
from reelforge.client.errors import ReelforgeError

TERMINAL_EVENTS = ("completed", "failed", "cancelled")
MAX_RECONNECTS = 5  # in a row without an event: the server is gone, not a hiccup
RECONNECT_DELAY_S = 0.5


class StreamUnavailable(ReelforgeError):
    """The server has no event stream (e.g. the hosted Samsar API): poll ``/status`` instead."""


@dataclass(frozen=True)
class ProgressEvent:
    id: int
    type: str  # accepted | queued | stage_started | progress | stage_finished | completed | failed | cancelled
    request_id: str
    percent: float  # the whole request, 0-100, never decreasing
    stage: str | None = None
    stage_percent: float | None = None
    eta_s: float | None = None  # seconds left, from this deployment's measured stage times
    queue_position: int | None = None  # jobs waiting ahead (queued events)
    preview_url: str | None = None  # what a finished stage made (stage_finished events)
    detail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the whole event as sent

    @property
    def is_terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS

    @classmethod
    def from_sse(cls, sse: ServerSentEvent) -> ProgressEvent:
        data = json.loads(sse.data)
        return cls(id=int(sse.id or data["id"]), type=sse.event or data["type"], request_id=data["request_id"],
                   percent=float(data.get("percent", 0.0)), stage=data.get("stage"),
                   stage_percent=data.get("stage_percent"), eta_s=data.get("eta_s"),
                   queue_position=data.get("queue_position"), preview_url=data.get("preview_url"),
                   detail=data.get("detail"), data=data)


@dataclass
class _Resume:
    """What the sync and async readers share: where to resume, and when to give up."""

    config: ClientConfig
    request_id: str
    last: int
    failures: int = 0

    def connections(self) -> Iterator[tuple[str, dict[str, str]]]:
        """URL and headers of each connection; a connection that ends without a terminal event (dropped,
        or the server closed it) counts as a failure, and too many in a row raise."""
        while True:
            yield self.target()
            self.failures += 1

    def target(self) -> tuple[str, dict[str, str]]:
        if self.failures >= MAX_RECONNECTS:
            raise ReelforgeError(f"the event stream of {self.request_id} kept dropping ({MAX_RECONNECTS} reconnects)")
        headers = {**self.config.headers(), "Accept": "text/event-stream"}
        if self.last:
            headers["Last-Event-ID"] = str(self.last)
        return f"{self.config.base_url}/requests/{self.request_id}/events", headers

    def event(self, sse: ServerSentEvent) -> ProgressEvent | None:
        if not sse.data:  # keep-alives
            return None
        event = ProgressEvent.from_sse(sse)
        self.last, self.failures = event.id, 0
        return event


def _check(response: httpx.Response) -> None:
    if response.status_code in (404, 405) and "text/event-stream" not in response.headers.get("content-type", ""):
        raise StreamUnavailable(f"no event stream for this request at {response.url}")
    response.raise_for_status()


def stream_events(
    http: httpx.Client, config: ClientConfig, request_id: str, last_event_id: int = 0
) -> Iterator[ProgressEvent]:
    resume = _Resume(config, request_id, last_event_id)
    for url, headers in resume.connections():
        with contextlib.suppress(httpx.TransportError), connect_sse(http, "GET", url, headers=headers) as source:
            _check(source.response)
            for sse in source.iter_sse():
                if (event := resume.event(sse)) is not None:
                    yield event
                    if event.is_terminal:
                        return
        time.sleep(RECONNECT_DELAY_S)


async def astream_events(
    http: httpx.AsyncClient, config: ClientConfig, request_id: str, last_event_id: int = 0
) -> AsyncIterator[ProgressEvent]:
    resume = _Resume(config, request_id, last_event_id)
    for url, headers in resume.connections():
        with contextlib.suppress(httpx.TransportError):
            async with aconnect_sse(http, "GET", url, headers=headers) as source:
                _check(source.response)
                async for sse in source.aiter_sse():
                    if (event := resume.event(sse)) is not None:
                        yield event
                        if event.is_terminal:
                            return
        await asyncio.sleep(RECONNECT_DELAY_S)
