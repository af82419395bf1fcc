"""A request's progress as a stream (``GET /v1/requests/{id}/events``, server-sent events).

``Client.stream(request_id)`` / ``async for event in AsyncClient.events(request_id)`` yield
:class:`ProgressEvent` s until the request ends. A dropped connection is resumed with
``Last-Event-ID``: the server answers exactly the events after the last one seen, so none is
missed or repeated."""

from __future__ import annotations

import asyncio
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
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> str | None:
        return self.data.get("stage")

    @property
    def stage_percent(self) -> float | None:
        return self.data.get("stage_percent")

    @property
    def eta_s(self) -> float | None:
        return self.data.get("eta_s")

    @property
    def queue_position(self) -> int | None:
        return self.data.get("queue_position")

    @property
    def preview_url(self) -> str | None:
        return self.data.get("preview_url")

    @property
    def is_terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS

    @classmethod
    def from_sse(cls, sse: ServerSentEvent) -> ProgressEvent:
        data = json.loads(sse.data)
        return cls(id=int(sse.id or data["id"]), type=sse.event or data["type"], request_id=data["request_id"],
                   percent=float(data.get("percent", 0.0)), data=data)


def _target(config: ClientConfig, request_id: str, last_id: int) -> tuple[str, dict[str, str]]:
    headers = {**config.headers(), "Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = str(last_id)
    return f"{config.base_url}/requests/{request_id}/events", headers


def _check(response: httpx.Response) -> None:
    if response.status_code in (404, 405) and "text/event-stream" not in response.headers.get("content-type", ""):
        raise StreamUnavailable(f"no event stream for this request at {response.url}")
    response.raise_for_status()


def stream_events(http: httpx.Client, config: ClientConfig, request_id: str, last_event_id: int = 0,
                  ) -> Iterator[ProgressEvent]:
    last, failures = last_event_id, 0
    while failures < MAX_RECONNECTS:
        url, headers = _target(config, request_id, last)
        try:
            with connect_sse(http, "GET", url, headers=headers) as source:
                _check(source.response)
                for sse in source.iter_sse():
                    if not sse.data:  # keep-alives
                        continue
                    event = ProgressEvent.from_sse(sse)
                    last, failures = event.id, 0
                    yield event
                    if event.is_terminal:
                        return
        except (httpx.TransportError, httpx.RemoteProtocolError):
            pass
        failures += 1
        time.sleep(RECONNECT_DELAY_S)
    raise ReelforgeError(f"the event stream of {request_id} kept dropping ({MAX_RECONNECTS} reconnects)")


async def astream_events(http: httpx.AsyncClient, config: ClientConfig, request_id: str, last_event_id: int = 0,
                         ) -> AsyncIterator[ProgressEvent]:
    last, failures = last_event_id, 0
    while failures < MAX_RECONNECTS:
        url, headers = _target(config, request_id, last)
        try:
            async with aconnect_sse(http, "GET", url, headers=headers) as source:
                _check(source.response)
                async for sse in source.aiter_sse():
                    if not sse.data:  # keep-alives
                        continue
                    event = ProgressEvent.from_sse(sse)
                    last, failures = event.id, 0
                    yield event
                    if event.is_terminal:
                        return
        except (httpx.TransportError, httpx.RemoteProtocolError):
            pass
        failures += 1
        await asyncio.sleep(RECONNECT_DELAY_S)
    raise ReelforgeError(f"the event stream of {request_id} kept dropping ({MAX_RECONNECTS} reconnects)")
