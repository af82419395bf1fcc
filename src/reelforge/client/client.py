"""``Client`` and ``AsyncClient``: the samsar-js surface for Python, over httpx.

from reelforge.client import Client

with Client() as rf:                                    # REELFORGE_API_KEY / REELFORGE_BASE_URL
    job = rf.create_video_from_image_list(image_urls=[a, b], prompt="Linen shirt launch")
    done = rf.wait(job.data.request_id, on_progress=lambda s: print(s.stages))
    rf.download(done.result_url, "launch.mp4")
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Self

import httpx

from reelforge.client import helpers
from reelforge.client._config import ClientConfig
from reelforge.client._transport import AsyncCore, SyncCore, connection_error, retry_delay, status_error
from reelforge.client.errors import ReelforgeError
from reelforge.client.events import ProgressEvent, StreamUnavailable, astream_events, stream_events
from reelforge.client.helpers import ProgressCallback, WaitState
from reelforge.client.models import RequestStatus
from reelforge.client.resources import CreditsResource, FlatMethods, ImageResource, ReceiptsResource, VideoResource


class _ClientBase(FlatMethods):
    """What the sync and async clients share: configuration, resources, webhook helpers."""

    _config: ClientConfig

    def _setup(self, config: ClientConfig, owns_http: bool) -> None:
        self._config = config
        self._owns_http = owns_http

    @property
    def base_url(self) -> str:
        return self._config.base_url

    verify_webhook = staticmethod(helpers.verify_webhook)
    parse_webhook = staticmethod(helpers.parse_webhook)


class Client(SyncCore, _ClientBase):
    """Synchronous client. Every method returns an ``APIResult``; a non-2xx answer raises the
    ``ReelforgeError`` subclass for its status (``NotFoundError``, ``InsufficientCreditsError``, …)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        default_headers: Mapping[str, str] | None = None,
        external_user_api_key: str | None = None,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        """``api_key`` and ``base_url`` default to ``REELFORGE_API_KEY`` / ``REELFORGE_BASE_URL``
        (base URL default ``http://127.0.0.1:8000/v1``; ``https://api.samsar.one/v1`` works too)."""
        config = ClientConfig.resolve(api_key, base_url, timeout, default_headers, external_user_api_key, max_retries)
        self._setup(config, owns_http=http_client is None)
        self._http = http_client or httpx.Client(timeout=timeout, follow_redirects=True)
        self.video, self.image = VideoResource(self), ImageResource(self)
        self.receipts, self.credits = ReceiptsResource(self), CreditsResource(self)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(
        self,
        request_id: str,
        *,
        timeout: float = 900.0,
        poll_interval: float = 1.0,
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = True,
        on_event: Callable[[ProgressEvent], object] | None = None,
    ) -> RequestStatus:
        """Follow the request's event stream (polling ``GET /v1/status`` where the server has none)
        until it is final; returns the COMPLETED status.

        ``on_event(event)`` gets each progress event (stage, percent, ETA). ``on_progress(status)``
        runs whenever the status or a stage in ``status.stages`` (``expressGenerationStatus``)
        changes. A FAILED/CANCELLED end raises ``JobFailedError`` unless ``raise_on_failure=False``;
        running out of ``timeout`` raises ``WaitTimeoutError``."""
        state = WaitState(request_id, timeout, poll_interval)
        if on_progress is None:
            try:
                for event in self.stream(request_id):
                    if on_event is not None:
                        on_event(event)
                    if event.is_terminal or state.expired():
                        break
            except (StreamUnavailable, ReelforgeError):
                pass  # the polling below finishes the wait
        while True:
            status = self.get_status(request_id).data
            if on_progress is not None and state.changed(status):
                on_progress(status)
            if status.is_terminal:
                return helpers.finish(status, raise_on_failure)
            time.sleep(state.next_sleep(status))

    def stream(self, request_id: str, *, last_event_id: int = 0) -> Iterator[ProgressEvent]:
        """The request's progress events until it ends (``GET /v1/requests/{id}/events``), resuming
        after a dropped connection with ``Last-Event-ID``."""
        return stream_events(self._http, self._config, request_id, last_event_id)

    events = stream

    def download(self, url: str, path: str | os.PathLike[str]) -> Path:
        """Save a result URL (absolute, or relative to the server) to ``path``; returns the path.

        The file appears complete or not at all; the API key is sent only to the API's origin."""
        target = Path(path)
        absolute, headers = helpers.resolve_download(self._config, url)
        attempt = 0
        while True:
            delay: float | None
            fd, tmp = helpers.temp_beside(target)
            try:
                with os.fdopen(fd, "wb") as out, self._http.stream("GET", absolute, headers=headers) as response:
                    if response.is_success:
                        for chunk in response.iter_bytes():
                            out.write(chunk)
                        out.close()
                        return helpers.replace_into(tmp, target)
                    delay = retry_delay(self._config.retry, attempt, response)
                    if delay is None:
                        raise status_error("Download of", response)
            except httpx.TransportError as exc:
                delay = retry_delay(self._config.retry, attempt, None)
                if delay is None:
                    raise connection_error("Download of", absolute, exc) from exc
            finally:
                tmp.unlink(missing_ok=True)
            time.sleep(delay)
            attempt += 1


class AsyncClient(AsyncCore, _ClientBase):
    """The same methods as ``Client``, as coroutines."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        default_headers: Mapping[str, str] | None = None,
        external_user_api_key: str | None = None,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        config = ClientConfig.resolve(api_key, base_url, timeout, default_headers, external_user_api_key, max_retries)
        self._setup(config, owns_http=http_client is None)
        self._http = http_client or httpx.AsyncClient(timeout=timeout, follow_redirects=True)
        self.video, self.image = VideoResource(self), ImageResource(self)
        self.receipts, self.credits = ReceiptsResource(self), CreditsResource(self)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait(
        self,
        request_id: str,
        *,
        timeout: float = 900.0,
        poll_interval: float = 1.0,
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = True,
        on_event: Callable[[ProgressEvent], object] | None = None,
    ) -> RequestStatus:
        """As ``Client.wait``; ``on_progress`` may be a plain function or a coroutine function."""
        state = WaitState(request_id, timeout, poll_interval)
        if on_progress is None:
            try:
                async for event in self.events(request_id):
                    if on_event is not None:
                        outcome = on_event(event)
                        if inspect.isawaitable(outcome):
                            await outcome
                    if event.is_terminal or state.expired():
                        break
            except (StreamUnavailable, ReelforgeError):
                pass  # the polling below finishes the wait
        while True:
            status = (await self.get_status(request_id)).data
            if on_progress is not None and state.changed(status):
                outcome = on_progress(status)
                if inspect.isawaitable(outcome):
                    await outcome
            if status.is_terminal:
                return helpers.finish(status, raise_on_failure)
            await asyncio.sleep(state.next_sleep(status))

    def events(self, request_id: str, *, last_event_id: int = 0) -> AsyncIterator[ProgressEvent]:
        """As ``Client.stream``: ``async for event in client.events(request_id)``."""
        return astream_events(self._http, self._config, request_id, last_event_id)

    stream = events

    async def download(self, url: str, path: str | os.PathLike[str]) -> Path:
        """As ``Client.download``."""
        target = Path(path)
        absolute, headers = helpers.resolve_download(self._config, url)
        attempt = 0
        while True:
            delay: float | None
            fd, tmp = helpers.temp_beside(target)
            try:
                with os.fdopen(fd, "wb") as out:
                    async with self._http.stream("GET", absolute, headers=headers) as response:
                        if response.is_success:
                            async for chunk in response.aiter_bytes():
                                out.write(chunk)
                            out.close()
                            return helpers.replace_into(tmp, target)
                        delay = retry_delay(self._config.retry, attempt, response)
                        if delay is None:
                            raise status_error("Download of", response)
            except httpx.TransportError as exc:
                delay = retry_delay(self._config.retry, attempt, None)
                if delay is None:
                    raise connection_error("Download of", absolute, exc) from exc
            finally:
                tmp.unlink(missing_ok=True)
            await asyncio.sleep(delay)
            attempt += 1
