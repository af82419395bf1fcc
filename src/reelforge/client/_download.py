"""Saving a result URL to a file, with retries: the state both clients' ``download`` drive.

The sync and async clients only open the stream and copy its chunks; which URL and headers, the
temporary file, the atomic rename and every retry decision live here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import httpx

from reelforge.client import helpers
from reelforge.client._config import ClientConfig
from reelforge.client._transport import Retries, status_error


class Download(Retries):
    """One download. Each try writes a fresh temporary file beside the target, renamed over it only
    once the whole body arrived, so the file appears complete or not at all."""

    def __init__(self, config: ClientConfig, url: str, path: str | os.PathLike[str]) -> None:
        absolute, self.headers = helpers.resolve_download(config, url)
        super().__init__(config.retry, "Download of", absolute)
        self.target = Path(path)
        self.saved = False
        self.delay = 0.0  # seconds the driver waits before the next try
        self._response: httpx.Response | None = None

    def accepts(self, response: httpx.Response) -> bool:
        """Whether to copy this response's body into the file (a 2xx); the try is settled on leaving ``attempt``."""
        self._response = response
        return response.is_success

    @contextmanager
    def attempt(self) -> Iterator[BinaryIO]:
        """One try: yields the temporary file. On leaving, the file is renamed into place (a 2xx read
        to the end), or ``delay`` is set for the next try, or the final error is raised."""
        fd, tmp = helpers.temp_beside(self.target)
        self._response = None
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    yield out
                except httpx.TransportError as exc:
                    self.delay = self.wait_after(exc) or 0.0  # raises when final
                    return
            self._settle(tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def _settle(self, tmp: Path) -> None:
        response = self._response
        assert response is not None, "attempt() left without a response: the driver must call accepts()"
        if response.is_success:
            helpers.replace_into(tmp, self.target)
            self.saved = True
            return
        delay = self.wait_after(response)
        if delay is None:
            raise status_error("Download of", response)
        self.delay = delay
