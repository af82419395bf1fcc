"""An embedded reelforge server inside this process, for one command, script or notebook.

    with LocalServer() as srv:
        with Client(srv.api_key, base_url=srv.base_url) as rf:
            ...

It serves on a free loopback port over a fresh temporary data directory (deleted on exit unless
``data_dir`` is given), with in-process workers, and creates an account and API key. Only the
``REELFORGE_*`` settings that choose where data lives are overridden; the rest (model endpoints,
pricing, fonts) come from the environment as for ``reelforge serve``.

It runs the server, so it needs ``reelforge[server]``; with the client alone installed ``start()``
raises ``ServerNotInstalledError`` saying so.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from reelforge.extras import server_imports

LOCAL_HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


class LocalServer:
    def __init__(self, data_dir: Path | None = None, *, credits: int = 1_000_000, startup_timeout: float = 60.0):
        self._given_dir = data_dir
        self.credits = credits
        self.startup_timeout = startup_timeout
        self.port = _free_port()
        self.data_dir: Path | None = None
        self.api_key = ""
        self.account_id = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}/v1"

    def start(self) -> LocalServer:
        with server_imports("An embedded server (LocalServer, --local)"):
            import uvicorn

            from reelforge.api.app import create_app
            from reelforge.core import accounts
            from reelforge.runtime import init_runtime
            from reelforge.settings import Settings

        self.data_dir = self._given_dir or Path(tempfile.mkdtemp(prefix="reelforge-local-"))
        settings = Settings(
            data_dir=self.data_dir,
            database_url=None,
            engine_database_url=None,
            storage_dir=None,
            public_base_url=f"http://{LOCAL_HOST}:{self.port}",
        )
        rt = init_runtime(settings)
        account = accounts.create_account(rt.db, "local-cli", self.credits)
        self.account_id = account.id
        self.api_key = accounts.create_api_key(rt.db, account.id).plaintext
        config = uvicorn.Config(
            create_app(settings), host=LOCAL_HOST, port=self.port, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="reelforge-local", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the embedded reelforge server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._given_dir is None and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
