"""Test servers forked from a process that has already imported reelforge.

Starting ``python -m reelforge.cli serve`` costs ~3 s of CPU before the first request, nearly all of
it importing (FastAPI, DBOS, SQLAlchemy, PyAV, OpenCV, NumPy, the routers); the suite starts ~65
servers and workers on two cores. So each pytest worker keeps one *zygote*: this file run as a
script, which imports the server once and then forks a child per start. The child is a real
``reelforge`` process — its own session (``kill -9`` drills kill its group), environment, log file
and data directory — running the same entry point as ``python -m reelforge.cli``; only the
interpreter's start is shared. ``tests/cli`` and ``tests/client`` still start the real command.

Protocol: one JSON line per request on stdin, one JSON line per answer on stdout:
``{"spawn": [args...], "env": {...}, "log": path}`` → ``{"pid": n}``;
``{"poll": pid}`` → ``{"returncode": int | null}`` (``-N`` when killed by signal N, as Popen says).
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

# What the zygote imports before it forks: the CLI and, through the app, the whole server.
_PRELOAD = ("reelforge.cli", "reelforge.cli.server", "reelforge.api.app")


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


def main() -> None:
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
    children: dict[int, int | None] = {}
    for line in sys.stdin:
        request = json.loads(line)
        if "spawn" in request:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _become_server(request["spawn"], request["env"], request["log"], import_env)
            children[pid] = None
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = int(request["poll"])
            if pid not in children:  # forked by an earlier zygote of this test process, which died
                answer = {"error": f"pid {pid} is not a child of this zygote"}
            else:
                if children[pid] is None:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        children[pid] = os.waitstatus_to_exitcode(status)
                answer = {"returncode": children[pid]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Zygote:
    """The pytest worker's side: one zygote process, started on first use, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
                self._proc = subprocess.Popen(
                    [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
                )
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            answer = self._proc.stdout.readline()
            if not answer:
                raise RuntimeError(f"the test server zygote exited ({self._proc.wait()})")
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
    main()
