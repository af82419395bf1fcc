"""``Client`` and ``AsyncClient``: the samsar-js surface for Python, over httpx.

from reelforge.client import Client

with Client() as rf:                                    # REELFORGE_API_KEY / REELFORGE_BASE_URL
    job = rf.create_video_from_image_list(image_urls=[a, b], prompt="Linen shirt launch")
    done = rf.wait(job.data.request_id, on_progress=lambda s: print(s.stages))
    rf.download(done.result_url, "launch.mp4")
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import ssl
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Generic, Self, TypeVar, Unpack

import httpx

from reelforge.client import helpers
from reelforge.client._config import ClientConfig
from reelforge.client._download import Download
from reelforge.client._transport import AsyncCore, SyncCore
from reelforge.client.errors import ReelforgeError
from reelforge.client.events import ProgressEvent, StreamUnavailable, astream_events, stream_events
from reelforge.client.helpers import WaitOptions, WaitState
from reelforge.client.models import RequestStatus
from reelforge.client.resources import CreditsResource, FlatMethods, ImageResource, ReceiptsResource, VideoResource

H = TypeVar("H", httpx.Client, httpx.AsyncClient)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client of the process, as httpx would build it (CA bundle, and
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set). httpx builds a new one per client otherwise,
    loading the CA bundle each time: ~15 ms of CPU for every ``Client()``. Contexts are safe to
    share between connections and threads."""
    return httpx.create_ssl_context()


class _ClientBase(FlatMethods, Generic[H]):
    """What the sync and async clients share: configuration, resources, webhook helpers."""

    _config: ClientConfig
    _http: H
    _http_class: type[H]  # what the client builds when it is not handed one

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        default_headers: Mapping[str, str] | None = None,
        external_user_api_key: str | None = None,
        max_retries: int = 2,
        http_client: H | None = None,
    ) -> None:
        """``api_key`` and ``base_url`` default to ``REELFORGE_API_KEY`` / ``REELFORGE_BASE_URL``
        (base URL default ``http://127.0.0.1:8000/v1``; ``https://api.samsar.one/v1`` works too)."""
        self._config = ClientConfig.resolve(
            api_key, base_url, timeout, default_headers, external_user_api_key, max_retries
        )
        self._owns_http = http_client is None
        self._http = http_client or self._http_class(timeout=timeout, follow_redirects=True, verify=_tls())
        self._bind_resources()

    def _bind_resources(self) -> None:
        """``video``, ``image``, ``receipts``, ``credits``: typed per client, so built by each."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self._config.base_url

    verify_webhook = staticmethod(helpers.verify_webhook)
    parse_webhook = staticmethod(helpers.parse_webhook)


class Client(SyncCore, _ClientBase[httpx.Client]):
    """Synchronous client. Every method returns an ``APIResult``; a non-2xx answer raises the
    ``ReelforgeError`` subclass for its status (``NotFoundError``, ``InsufficientCreditsError``, …)."""

    _http_class = httpx.Client

    def _bind_resources(self) -> None:
        self.video, self.image = VideoResource(self), ImageResource(self)
        self.receipts, self.credits = ReceiptsResource(self), CreditsResource(self)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self, request_id: str, **options: Unpack[WaitOptions]) -> RequestStatus:
        """Follow the request's event stream (polling ``GET /v1/status`` where the server has none)
        until it is final; returns the COMPLETED status.

        Options (``WaitOptions``): ``timeout=900.0``, ``poll_interval=1.0``, ``on_event(event)`` for
        each progress event (stage, percent, ETA), ``on_progress(status)`` run whenever the status or
        a stage changes (polls instead of streaming), ``raise_on_failure=True`` (a FAILED/CANCELLED
        end raises ``JobFailedError``); running out of ``timeout`` raises ``WaitTimeoutError``."""
        state = WaitState(request_id, **options)
        if state.streams:
            with contextlib.suppress(StreamUnavailable, ReelforgeError):  # the polling below finishes
                for event in self.stream(request_id):
                    state.notify(event)
                    if state.ended(event):
                        break
        while not (status := self.get_status(request_id).data).is_terminal:
            state.progress(status)
            time.sleep(state.next_sleep(status))
        state.progress(status)
        return state.finish(status)

    def stream(self, request_id: str, *, last_event_id: int = 0) -> Iterator[ProgressEvent]:
        """The request's progress events until it ends (``GET /v1/requests/{id}/events``), resuming
        after a dropped connection with ``Last-Event-ID``."""
        return stream_events(self._http, self._config, request_id, last_event_id)

    events = stream

    def download(self, url: str, path: str | os.PathLike[str]) -> Path:
        """Save a result URL (absolute, or relative to the server) to ``path``; returns the path.

        The file appears complete or not at all; the API key is sent only to the API's origin."""
        job = Download(self._config, url, path)
        while not job.saved:
            time.sleep(job.delay)  # 0 before the first try
            with job.attempt() as out, self._http.stream("GET", job.url, headers=job.headers) as response:
                if job.accepts(response):
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        return job.target


class AsyncClient(AsyncCore, _ClientBase[httpx.AsyncClient]):
    """The same methods as ``Client``, as coroutines."""

    _http_class = httpx.AsyncClient

    def _bind_resources(self) -> None:
        self.video, self.image = VideoResource(self), ImageResource(self)
        self.receipts, self.credits = ReceiptsResource(self), CreditsResource(self)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait(self, request_id: str, **options: Unpack[WaitOptions]) -> RequestStatus:
        """As ``Client.wait``; ``on_event`` and ``on_progress`` may be coroutine functions."""
        state = WaitState(request_id, **options)
        if state.streams:
            with contextlib.suppress(StreamUnavailable, ReelforgeError):  # the polling below finishes
                async for event in self.events(request_id):
                    if inspect.isawaitable(outcome := state.notify(event)):
                        await outcome
                    if state.ended(event):
                        break
        while True:
            status = (await self.get_status(request_id)).data
            if inspect.isawaitable(outcome := state.progress(status)):
                await outcome
            if status.is_terminal:
                return state.finish(status)
            await asyncio.sleep(state.next_sleep(status))

    def events(self, request_id: str, *, last_event_id: int = 0) -> AsyncIterator[ProgressEvent]:
        """As ``Client.stream``: ``async for event in client.events(request_id)``."""
        return astream_events(self._http, self._config, request_id, last_event_id)

    stream = events

    async def download(self, url: str, path: str | os.PathLike[str]) -> Path:
        """As ``Client.download``."""
        job = Download(self._config, url, path)
        while not job.saved:
            await asyncio.sleep(job.delay)
            with job.attempt() as out:
                async with self._http.stream("GET", job.url, headers=job.headers) as response:
                    if job.accepts(response):
                        async for chunk in response.aiter_bytes():
                            out.write(chunk)
        return job.target
