"""Test servers forked from a process that has already imported reelforge.

Starting ``python -m reelforge.cli serve`` costs ~3 s of CPU before the first request, nearly all of
it importing (FastAPI, DBOS, SQLAlchemy, PyAV, OpenCV, NumPy, the routers); the suite starts ~65
servers and workers on two cores. So the test session keeps one *zygote*: this file run as a
script, which imports the server once and then forks a child per start. The child is a real
``reelforge`` process — its own session (``kill -9`` drills kill its group), environment, log file
and data directory — running the same entry point as ``python -m reelforge.cli``; only the
interpreter's start is shared. ``tests/cli`` and ``tests/client`` still start the real command.

One zygote serves every pytest worker: the xdist controller starts it (tests/conftest.py) and
hands its socket to the workers in ``$TEST_ZYGOTE_SOCKET``; each worker importing the server again
in a zygote of its own cost ~3 s of CPU apiece. A process without that variable (a script using
``support`` on its own) starts a private one on first use.

Protocol, over a Unix socket: one JSON line per request, one JSON line per answer:
``{"spawn": [args...], "env": {...}, "log": path}`` → ``{"pid": n}``;
``{"poll": pid}`` → ``{"returncode": int | null}`` (``-N`` when killed by signal N, as Popen says).
The zygote exits when its standard input closes: its owner is gone.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# What the zygote imports before it forks: the CLI and, through the app, the whole server.
_PRELOAD = ("reelforge.cli", "reelforge.cli.server", "reelforge.api.app")
SOCKET_ENV = "TEST_ZYGOTE_SOCKET"


def _become_server(args: list[str], env: dict[str, str], log: str, import_env: dict[str, str]) -> None:
    """In the forked child: detach, take the start's env and log, and run the CLI. Never returns
    normally: the CLI's SystemExit unwinds to the interpreter's own exit (atexit, thread joins)."""
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(null)
    os.environ.clear()
    os.environ.update({**import_env, **env})
    import random

    import numpy as np

    random.seed()  # the forked interpreter would otherwise repeat the zygote's random sequence
    np.random.seed()
    sys.argv = ["reelforge", *args]
    # The very module `python -m reelforge.cli` runs (reelforge/cli/__main__.py), already imported.
    runpy.run_module("reelforge.cli", run_name="__main__", alter_sys=True)
    raise SystemExit(0)


class _Zygote:
    """The zygote's side: answers requests from any number of connections, one at a time (a
    single thread: forking a process with other threads running risks their locks)."""

    def __init__(self, listener: socket.socket, import_env: dict[str, str]) -> None:
        self.listener = listener
        self.import_env = import_env
        self.children: dict[int, int | None] = {}
        self.selector = selectors.DefaultSelector()
        self.pending: dict[socket.socket, bytes] = {}

    def serve(self) -> None:
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.listener:
                    connection, _ = self.listener.accept()
                    self.pending[connection] = b""
                    self.selector.register(connection, selectors.EVENT_READ)
                elif key.fileobj == sys.stdin.fileno():
                    if not os.read(sys.stdin.fileno(), 4096):
                        return  # the owner closed our stdin: it is gone
                else:
                    assert isinstance(key.fileobj, socket.socket)
                    self._read(key.fileobj)

    def _read(self, connection: socket.socket) -> None:
        chunk = connection.recv(65536)
        if not chunk:
            self.selector.unregister(connection)
            del self.pending[connection]
            connection.close()
            return
        buffered = self.pending[connection] + chunk
        *lines, self.pending[connection] = buffered.split(b"\n")
        for line in lines:
            connection.sendall(json.dumps(self._answer(json.loads(line))).encode() + b"\n")

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        if "spawn" in request:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                # The child keeps none of the zygote's sockets: a worker must see the zygote's end.
                for connection in [self.listener, *self.pending]:
                    connection.close()
                _become_server(request["spawn"], request["env"], request["log"], self.import_env)
            self.children[pid] = None
            return {"pid": pid}
        pid = int(request["poll"])
        if pid not in self.children:
            return {"error": f"pid {pid} is not a child of this zygote"}
        if self.children[pid] is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.children[pid] = os.waitstatus_to_exitcode(status)
        return {"returncode": self.children[pid]}


def main(path: str) -> None:
    # Listening before importing: a worker's first request waits in the backlog, not on a retry loop.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    before = dict(os.environ)
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)
    # Environment variables the imported modules set for themselves (``os.environ.setdefault`` at import,
    # e.g. providers/ocr.py's OMP_THREAD_LIMIT): a child gets them too unless its own env says otherwise.
    import_env = {k: v for k, v in os.environ.items() if before.get(k) != v}
    # What the children inherit is out of the collector's view from the start (Python's advice for a
    # process that forks without exec): their first full collection (the server's, at start-up) would
    # otherwise walk the ~300 000 imported objects again, ~150 ms each, and touching them copies pages.
    gc.collect()
    gc.freeze()
    _Zygote(listener, import_env).serve()


class ZygoteProcess:
    """A started zygote: its process (whose stdin we hold) and its socket's path."""

    def __init__(self) -> None:
        self.path = str(Path(tempfile.mkdtemp(prefix="rf-zygote-")) / "socket")  # short: AF_UNIX allows ~100 bytes
        env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
        self.proc = subprocess.Popen([sys.executable, __file__, self.path], stdin=subprocess.PIPE, env=env)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        Path(self.path).unlink(missing_ok=True)
        Path(self.path).parent.rmdir()


class Zygote:
    """A test process's side: one connection to the session's zygote, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: Any = None
        self._private: ZygoteProcess | None = None

    def _connect(self) -> Any:
        path = os.environ.get(SOCKET_ENV)
        if path is None:
            self._private = self._private or ZygoteProcess()
            path = self._private.path
        deadline = time.monotonic() + 60
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                return sock.makefile("rwb")
            except (FileNotFoundError, ConnectionRefusedError):  # not listening yet: it just started
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._stream is None:
                self._stream = self._connect()
            self._stream.write(json.dumps(request).encode() + b"\n")
            self._stream.flush()
            answer = self._stream.readline()
            if not answer:
                self._stream = None
                raise RuntimeError("the test server zygote exited")
            result: dict[str, Any] = json.loads(answer)
            if "error" in result:
                raise RuntimeError(result["error"])
            return result


_zygote = Zygote()


class ForkedServer:
    """A reelforge process forked by the zygote, with the parts of ``subprocess.Popen`` tests use."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.pid: int = _zygote.ask({"spawn": args, "env": env, "log": str(log)})["pid"]
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = _zygote.ask({"poll": self.pid})["returncode"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.05)
        return code


if __name__ == "__main__":
    main(sys.argv[1])
