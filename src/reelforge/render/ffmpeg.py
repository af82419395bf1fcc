"""Running the pinned ffmpeg binary (imageio-ffmpeg's ffmpeg 9) with cancellation and error reporting."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import imageio_ffmpeg

CANCEL_POLL_S = 0.3
_STDERR_TAIL_CHARS = 4000
_PROGRESS_TAIL_BYTES = 4096  # a -progress block is ~300 bytes


class RenderError(RuntimeError):
    """ffmpeg failed; the message carries the tail of its stderr."""


class RenderCancelled(RuntimeError):
    """``should_cancel`` returned True; ffmpeg was killed and partial output removed."""


@cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _last_progress(text: str) -> dict[str, str]:
    """The last complete block of ``-progress`` output (``key=value`` lines ending ``progress=...``)."""
    blocks = text.split("progress=")
    if len(blocks) < 2:
        return {}
    return dict(line.split("=", 1) for line in blocks[-2].splitlines() if "=" in line)


@dataclass(frozen=True)
class FfmpegRun:
    stderr: str
    wall_s: float


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # ffmpeg runs in its own session, so killing the group takes any helper it spawned too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_ffmpeg(
    args: Sequence[str],
    *,
    should_cancel: Callable[[], bool] | None = None,
    partial_outputs: Sequence[Path] = (),
    what: str = "ffmpeg",
    on_progress: Callable[[dict[str, str]], None] | None = None,
) -> FfmpegRun:
    """Run ``ffmpeg <args>`` to completion, polling ``should_cancel`` every 0.3 s.

    stderr goes to a temporary file (not a pipe) so a chatty ffmpeg can never block on a full pipe
    and memory stays flat however long the run is. ``on_progress`` gets ffmpeg's latest ``-progress``
    block (``frame``, ``out_time_us``, ...) at each poll, read from a file for the same reason.
    """
    with tempfile.TemporaryDirectory(prefix="reelforge-ffmpeg-") as tmp:
        progress_file = Path(tmp) / "progress.txt"
        reporting = ["-progress", str(progress_file), "-stats_period", str(CANCEL_POLL_S)] if on_progress else []
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *reporting, *args]

        def report() -> None:
            if on_progress is None or not progress_file.exists():
                return
            with progress_file.open("rb") as f:  # the tail only: the file grows all run long
                f.seek(max(0, progress_file.stat().st_size - _PROGRESS_TAIL_BYTES))
                block = _last_progress(f.read().decode("utf-8", errors="replace"))
            if block:
                on_progress(block)

        return _run(cmd, should_cancel, partial_outputs, what, report)


def _run(cmd: list[str], should_cancel: Callable[[], bool] | None, partial_outputs: Sequence[Path], what: str,
         report: Callable[[], None]) -> FfmpegRun:
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        try:
            while True:
                try:
                    proc.wait(timeout=CANCEL_POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    report()
                    if should_cancel is not None and should_cancel():
                        _kill_group(proc)
                        for path in partial_outputs:
                            path.unlink(missing_ok=True)
                        raise RenderCancelled(f"{what} cancelled") from None
        except BaseException:
            if proc.poll() is None:  # e.g. KeyboardInterrupt: never leave ffmpeg running
                _kill_group(proc)
            raise
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if proc.returncode != 0:
        for path in partial_outputs:
            path.unlink(missing_ok=True)
        raise RenderError(f"{what} failed (exit {proc.returncode}): {stderr[-_STDERR_TAIL_CHARS:]}")
    return FfmpegRun(stderr=stderr, wall_s=time.monotonic() - started)
