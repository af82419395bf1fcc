"""Real reelforge server/worker processes, and polling helpers.

Nothing of ours is mocked: tests talk HTTP to a `reelforge serve` subprocess exactly as a
client would, and read its files and database only to check what it did.

Ports are picked by the kernel per process (``free_port``), so tests run in parallel (pytest-xdist)
without sharing any. Between picking a port and the server binding it another process may take it:
``ReelforgeServer.start`` then retries on a new port, and only counts the server as up once the
listening socket is its own (not a neighbour's that happens to answer ``/healthz``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from reelforge.db.database import Database
from support.zygote import ForkedServer

REELFORGE = [sys.executable, "-m", "reelforge.cli"]
# One TLS context for every test client: httpx builds a new one per client otherwise (loading the CA
# bundle, 23 ms of CPU), and the suite makes thousands of clients, most of them to plain-HTTP servers.
TLS = ssl.create_default_context()
TEST_FPS = 15
# The session's shared store of model answers (storage/answers.py), made by tests/conftest.py: the
# servers of a run read the same fixture photos again and again, each in a new process.
ANSWERS_ENV = "TEST_ANSWERS_DIR"
WEBHOOK_SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZWxmb3JnZQ=="  # every test server signs webhooks with it
START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use_error(log: str) -> bool:
    return "address already in use" in log.lower()


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the listening TCP socket on ``port`` (Linux ``/proc``)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    return True
    return False


Process = subprocess.Popen[bytes] | ForkedServer


def stop_group(proc: Process | None) -> None:
    """SIGTERM a process started in its own session (and its children), SIGKILL if it lingers."""
    stop_groups([proc])


def stop_groups(procs: list[Process | None], grace_s: float = 15.0) -> None:
    """``stop_group`` for several at once: all are signalled first, so their shutdowns overlap."""
    live = [proc for proc in procs if proc is not None and proc.poll() is None]
    for proc in live:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in live:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_group(proc)


def kill_group(proc: Process) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


@dataclass
class ReelforgeServer:
    """A `reelforge serve` (or `worker`) subprocess over its own data directory."""

    data_dir: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    workers: bool = True
    port: int = field(default_factory=free_port)
    proc: Process | None = None
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
                "REELFORGE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "REELFORGE_WEBHOOK_INITIAL_BACKOFF_S": "0.5",
                # x264's fastest preset: same pipeline and files, about half the encoding CPU of
                # the default veryfast (tests/render and bench/ keep the default).
                "REELFORGE_VIDEO_PRESET": "ultrafast",
                # Half the spec's 30 frames a second: x264's work (most of a render's CPU) nearly halves,
                # and nothing a test checks depends on the rate (tests/render renders at 30).
                "REELFORGE_VIDEO_FPS": str(TEST_FPS),
            }
        )
        if ANSWERS_ENV in os.environ:  # one store of model answers for the whole session (conftest.py)
            env["REELFORGE_ANSWERS_DIR"] = os.environ[ANSWERS_ENV]
        env.update(self.env_overrides)
        return env

    def cli(self, *args: str) -> Any:
        out = subprocess.run(
            [*REELFORGE, *args], env=self.env(), check=True, capture_output=True, text=True, timeout=120
        )
        return json.loads(out.stdout)

    def start(self, timeout: float = 60.0) -> ReelforgeServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(START_ATTEMPTS):
            if self._start_once(timeout):
                return self
            if attempt + 1 < START_ATTEMPTS:
                self.port = free_port()  # a parallel test took the port first
        raise RuntimeError(f"server found its port taken {START_ATTEMPTS} times:\n{self.log()}")

    def _start_once(self, timeout: float) -> bool:
        """Start on ``self.port``; False when the port was taken (nothing left running), else up."""
        self.log_path = self.data_dir / f"server-{self.port}.log"
        args = ["serve", "--port", str(self.port)] + ([] if self.workers else ["--no-workers"])
        self.proc = ForkedServer(args, self.env(), self.log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_in_use_error(self.log()):  # the process may linger after the failed bind
                self.stop()
                return False
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                healthy = httpx.get(self.base_url + "/healthz", timeout=1, verify=TLS).status_code == 200
            except httpx.HTTPError:
                healthy = False
            if healthy and listens_on(self.proc.pid, self.port):
                return True
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        stop_group(self.proc)

    def kill9(self) -> None:
        assert self.proc is not None
        kill_group(self.proc)

    def new_key(self, credits: int = 5000, name: str = "test") -> str:
        """A new account with credits and its API key, written straight into the server's database
        (the same code path as `reelforge accounts create`, without a subprocess per test)."""
        from reelforge.core import accounts

        url = self.env_overrides.get("REELFORGE_DATABASE_URL")  # PostgreSQL mode (tests/cluster)
        # SQLite: one engine per database file for the whole test process. PostgreSQL: a fresh engine
        # each time (a drill may have restarted the server under a kept one), disposed after.
        db = _sqlite_database(self.data_dir / "reelforge.db") if url is None else Database(url)
        try:
            account = accounts.create_account(db, name, credits)
            return accounts.create_api_key(db, account.id).plaintext
        finally:
            if url is not None:
                db.engine.dispose()

    def client(self, key: str | None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, verify=TLS)


@functools.lru_cache(maxsize=64)
def _sqlite_database(path: Path) -> Database:
    """An engine on a server's SQLite file, kept for the next key (building one costs ~4 ms of CPU,
    and the suite makes keys by the hundred)."""
    return Database(f"sqlite:///{path.resolve()}")


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


@dataclass
class ReelforgeWorker:
    """A `reelforge worker` subprocess sharing a server's data directory and settings."""

    server: ReelforgeServer
    queues: str = "cpu,render,io,gpu"
    executor_id: str | None = "worker-1"  # None: the process picks its own (hostname-pid)
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: Process | None = None
    extra_args: list[str] = field(default_factory=list)  # e.g. ["--concurrency", "render=1"]

    def start(self) -> ReelforgeWorker:
        env = {**self.server.env(), **self.extra_env}
        if self.executor_id is not None:
            env["REELFORGE_EXECUTOR_ID"] = self.executor_id
        name = self.executor_id or f"auto-{time.monotonic_ns()}"
        self.proc = ForkedServer(["worker", "--queues", self.queues, *self.extra_args], env,
                                 self.server.data_dir / f"worker-{name}.log")
        return self

    def stop(self) -> None:
        stop_group(self.proc)

    def kill9(self) -> None:
        assert self.proc is not None
        kill_group(self.proc)


def credits_left(c: httpx.Client) -> int:
    """The balance of the client's key (``GET /v1/credits``)."""
    return int(c.get("/v1/credits").json()["remainingCredits"])


def submit(server: ReelforgeServer, key: str, route: str, body: dict[str, Any], timeout: float = 400) -> dict[str, Any]:
    """POST ``{"input": body}`` to a job route and wait for the request to finish; the final status."""
    with server.client(key, timeout=120) as c:
        r = c.post(route, json={"input": body})
        assert r.status_code == 200, r.text
        return wait_status(c, r.json()["request_id"], timeout=timeout)


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError("condition not met in time")
