"""Test support: real reelforge server/worker processes and a local fixture HTTP server.

Nothing of ours is mocked: tests talk HTTP to a `reelforge serve` subprocess exactly as a
client would, and read its files and database only to check what it did.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

REELFORGE = [sys.executable, "-m", "reelforge.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ReelforgeServer:
    """A `reelforge serve` (or `worker`) subprocess over its own data directory."""

    data_dir: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    workers: bool = True
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
        env.update(
            {
                "REELFORGE_DATA_DIR": str(self.data_dir),
                "REELFORGE_PUBLIC_BASE_URL": self.base_url,
                "REELFORGE_WEBHOOK_SECRET": "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZWxmb3JnZQ==",
                "REELFORGE_WEBHOOK_INITIAL_BACKOFF_S": "0.5",
            }
        )
        env.update(self.env_overrides)
        return env

    def cli(self, *args: str) -> Any:
        out = subprocess.run(
            [*REELFORGE, *args], env=self.env(), check=True, capture_output=True, text=True, timeout=120
        )
        return json.loads(out.stdout)

    def start(self, timeout: float = 60.0) -> ReelforgeServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"server-{self.port}.log"
        args = ["serve", "--port", str(self.port)] + ([] if self.workers else ["--no-workers"])
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*REELFORGE, *args], env=self.env(), stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def new_key(self, credits: int = 5000, name: str = "test") -> str:
        """A new account with credits and its API key, written straight into the server's database
        (the same code path as `reelforge accounts create`, without a subprocess per test)."""
        from reelforge.core import accounts
        from reelforge.db.database import Database

        db = Database(
            self.env_overrides.get("REELFORGE_DATABASE_URL")  # PostgreSQL mode (tests/cluster)
            or f"sqlite:///{(self.data_dir / 'reelforge.db').resolve()}"
        )
        try:
            account = accounts.create_account(db, name, credits)
            return accounts.create_api_key(db, account.id).plaintext
        finally:
            db.engine.dispose()

    def client(self, key: str | None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)


def wait_status(
    client: httpx.Client, request_id: str, timeout: float = 120.0, path: str = "/v1/status"
) -> dict[str, Any]:
    """Poll until the request leaves PENDING; returns the final status body."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(path, params={"request_id": request_id})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] != "PENDING":
            return body
        time.sleep(0.3)
    raise TimeoutError(f"{request_id} still pending after {timeout}s")


Responder = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, dict[str, str], bytes]]


class FixtureHTTP:
    """A local HTTP server with scripted routes: serve bytes, redirect, or receive webhooks."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.received.append((self.path, dict(self.headers.items()), body))
                responder = outer.routes.get(self.path.split("?")[0])
                status, headers, payload = responder(self, body) if responder else (404, {}, b"not found")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_bytes(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.routes[path] = lambda _h, _b: (200, {"content-type": content_type}, data)
        return self.base_url + path

    def redirect(self, path: str, location: str) -> str:
        self.routes[path] = lambda _h, _b: (302, {"location": location}, b"")
        return self.base_url + path

    def __enter__(self) -> FixtureHTTP:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class ReelforgeWorker:
    """A `reelforge worker` subprocess sharing a server's data directory and settings."""

    server: ReelforgeServer
    queues: str = "cpu,render,io,gpu"
    executor_id: str | None = "worker-1"  # None: the process picks its own (hostname-pid)
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)  # e.g. ["--concurrency", "render=1"]

    def start(self) -> ReelforgeWorker:
        env = {**self.server.env(), **self.extra_env}
        if self.executor_id is not None:
            env["REELFORGE_EXECUTOR_ID"] = self.executor_id
        name = self.executor_id or f"auto-{time.monotonic_ns()}"
        log = open(self.server.data_dir / f"worker-{name}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*REELFORGE, "worker", "--queues", self.queues, *self.extra_args],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        return self

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError("condition not met in time")
