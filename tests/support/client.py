"""Helpers for the SDK and CLI tests: one way to call either client, a proxy that loses responses,
the environment a client process gets, and sample photos."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from reelforge.client import AsyncClient, Client
from support import ReelforgeServer


def cli_env(server: ReelforgeServer | None = None, key: str | None = None) -> dict[str, str]:
    """This process's environment without its ``REELFORGE_*`` settings, pointed at ``server``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
    if server is not None:
        env["REELFORGE_BASE_URL"] = server.base_url
    if key is not None:
        env["REELFORGE_API_KEY"] = key
    return env


def write_photo(path: Path, colour: str) -> Path:
    """A 640x480 JPEG: a flat colour with a white block in the middle."""
    img = Image.new("RGB", (640, 480), colour)
    img.paste(Image.new("RGB", (320, 240), "white"), (160, 120))
    img.save(path, format="JPEG", quality=90)
    return path


class Api:
    """Calls SDK methods by name through the sync ``Client`` or the ``AsyncClient``, so each test
    runs unchanged against both. ``api("video.create_from_text", ...)`` reaches grouped methods."""

    def __init__(self, mode: str, api_key: str | None, base_url: str, **client_kwargs: Any) -> None:
        self.mode = mode
        self.api_key = api_key
        self.base_url = base_url
        self.client_kwargs = client_kwargs

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            with Client(self.api_key, base_url=self.base_url, **self.client_kwargs) as client:
                return _resolve(client, name)(*args, **kwargs)

        async def run() -> Any:
            async with AsyncClient(self.api_key, base_url=self.base_url, **self.client_kwargs) as client:
                return await _resolve(client, name)(*args, **kwargs)

        return asyncio.run(run())


def _resolve(client: object, dotted: str) -> Any:
    target: Any = client
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


class DroppingProxy:
    """A TCP proxy to ``upstream_port`` that, on its first ``drop`` connections, forwards the
    request but closes the client's socket as soon as the server starts answering: the server has
    done the work (and charged), the client sees a dropped connection and must retry."""

    def __init__(self, upstream_port: int, drop: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drop = drop
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def idempotency_keys(self) -> list[str]:
        return [m.group(1).decode() for raw in self.requests if (m := re.search(rb"(?i)idempotency-key: (\S+)", raw))]

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                index = len(self.requests)
                self.requests.append(b"")
            threading.Thread(target=self._serve, args=(conn, index), daemon=True).start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))

        def client_to_upstream() -> None:
            try:
                while chunk := conn.recv(65536):
                    self.requests[index] += chunk
                    upstream.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=client_to_upstream, daemon=True).start()
        try:
            while chunk := upstream.recv(65536):
                if index < self.drop:
                    break  # the answer exists server-side; the client never gets it
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (conn, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
