"""Load benchmark: open-loop GET /v1/status at a fixed rate, then a burst of video submissions.

    .venv/bin/python bench/load.py                                  # embedded default (SQLite)
    .venv/bin/python bench/load.py --database-url postgresql://u:p@127.0.0.1:5432/rf
    .venv/bin/python bench/load.py --rate 300 --duration 60 --burst 100 --json out.json

Starts a real ``reelforge serve`` (API + in-process workers) on a fresh data directory, creates
accounts through the ``reelforge accounts create`` CLI, and seeds one completed request per
account for the status polls to read.

Status load: request *i* is scheduled at ``start + i / rate`` and sent then whether or not
earlier ones have answered (open loop), each on a free keep-alive connection from a pool that
grows on demand; its latency is measured from the *scheduled* time, so a stalled server or a
late client is charged, not hidden (no coordinated omission). Polls spread over several API
keys as real clients would, each key below the default per-key rate limit. Any non-200, timeout
or connection error counts as an error. Target: p99 <= 20 ms, 0 errors.

Burst: N ``image_list_to_video`` submissions with two small images, sent at once, spread over
accounts so none exceeds the per-account pending-job limit; then each is polled until it ends.
Every accepted request must COMPLETE (none lost, none failed); throughput is printed in jobs
per minute, from the first submission to the last completion.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

CLI = [sys.executable, "-m", "reelforge.cli"]
KEY_RATE_SHARE = 30.0  # req/s per API key in the status load: under the default 50/s per-key limit
JOBS_PER_ACCOUNT = 20  # burst submissions per account: under the default 32 pending jobs per account


# -- the server under test -----------------------------------------------------------------


@dataclass
class Server:
    data_dir: Path
    database_url: str | None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
        env.update({"REELFORGE_DATA_DIR": str(self.data_dir), "REELFORGE_PUBLIC_BASE_URL": self.base_url})
        if self.database_url:
            env["REELFORGE_DATABASE_URL"] = self.database_url
        return env

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(self.port)], env=self.env(), stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.data_dir / 'server.log'}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server process has used so far (Linux)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def new_key(self, name: str, credits: int) -> str:
        out = subprocess.run(
            [*CLI, "accounts", "create", name, "--credits", str(credits)],
            env=self.env(), check=True, capture_output=True, text=True, timeout=120,
        )
        return str(json.loads(out.stdout)["api_key"])


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def small_image(seed: int) -> str:
    img = Image.new("RGB", (480, 320), ["#e76f51", "#2a9d8f", "#264653", "#e9c46a"][seed % 4])
    ImageDraw.Draw(img).ellipse((120, 60, 360, 260), fill=["#f4a261", "#8ab17d", "#a8dadc", "#1d3557"][seed % 4])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


# -- a minimal keep-alive HTTP/1.1 client (cheap enough not to be the bottleneck) ----------


class ConnectionPool:
    """Keep-alive connections to one server, reused most-recent-first and opened on demand, at
    most ``max_connections`` at once (httpx's default, 100): when all are busy a request waits
    for one, and that wait counts in its latency like any other delay.

    Like any HTTP client, a connection left idle long enough for the server to have closed it is
    dropped, and a request whose reused connection turns out closed before any byte of the
    answer is sent again once on a fresh connection (the server never saw it)."""

    IDLE_S = 2.0  # below uvicorn's 5 s keep-alive timeout

    def __init__(self, host: str, port: int, max_connections: int = 100) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened = 0
        self.slots = asyncio.Semaphore(max_connections)

    async def get(self, path: str, headers: dict[str, str]) -> int:
        """Send one GET, read the whole response, return its status code."""
        async with self.slots:
            return await self._get(path, headers)

    async def _get(self, path: str, headers: dict[str, str]) -> int:
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        now = time.monotonic()
        while self.idle:
            reader, writer, since = self.idle.pop()
            if now - since < self.IDLE_S:
                status = await self._exchange(reader, writer, request)
                if status is not None:
                    return status
            else:
                writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1
        status = await self._exchange(reader, writer, request)
        if status is None:
            raise ConnectionError("server closed a fresh connection")
        return status

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int | None:
        """The response's status, or None when the connection was closed before any answer."""
        try:
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                writer.close()
                return None
            status = int(status_line.split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            await reader.readexactly(length)
        except ConnectionResetError:
            writer.close()
            return None
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return status

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1)]


@dataclass
class StatusLoadResult:
    target_rate: float
    duration_s: float
    sent: int
    ok: int
    errors: int
    error_kinds: dict[str, int]
    achieved_rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    connections: int
    server_cpu_ms_per_request: float = math.nan  # server CPU time over the run / requests sent


async def status_load(
    base_url: str, targets: list[tuple[str, str]], rate: float, duration: float, max_connections: int = 100
) -> StatusLoadResult:
    """``targets``: (api_key, request_id) pairs, polled round-robin on a fixed schedule."""
    parts = httpx.URL(base_url)
    pool = ConnectionPool(parts.host, parts.port or 80, max_connections)
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def one(i: int, scheduled: float) -> None:
        key, rid = targets[i % len(targets)]
        try:
            # 5 s from the scheduled send, waiting for a free connection included.
            status = await asyncio.wait_for(pool.get(f"/v1/status?request_id={rid}", auth(key)), timeout=5)
            if status != 200:
                errors[f"http {status}"] = errors.get(f"http {status}", 0) + 1
                return
            latencies.append(loop.time() - scheduled)
        except Exception as err:  # noqa: BLE001 - every failure is an error to count, by kind
            errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1

    tasks = []
    start = loop.time() + 0.2
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    pool.close()
    ms = sorted(x * 1000 for x in latencies)
    return StatusLoadResult(
        target_rate=rate, duration_s=round(elapsed, 2), sent=total, ok=len(ms), errors=sum(errors.values()),
        error_kinds=errors, achieved_rate=round(total / elapsed, 1),
        p50_ms=round(percentile(ms, 0.50), 2), p90_ms=round(percentile(ms, 0.90), 2),
        p99_ms=round(percentile(ms, 0.99), 2), p999_ms=round(percentile(ms, 0.999), 2),
        max_ms=round(ms[-1], 2) if ms else math.nan, connections=pool.opened,
    )


# -- the burst -------------------------------------------------------------------------------


@dataclass
class BurstResult:
    submitted: int
    accepted: int
    rejected: dict[str, int]
    completed: int
    failed: int
    lost: int
    submit_p50_ms: float
    submit_p99_ms: float
    wall_s: float
    jobs_per_min: float
    job_p50_s: float
    job_max_s: float
    failures: list[str] = field(default_factory=list)


async def burst(base_url: str, keys: list[str], count: int, timeout: float) -> BurstResult:
    images = [small_image(i) for i in range(4)]
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def submit(i: int) -> tuple[str, str | None, float, str]:
            key = keys[i // JOBS_PER_ACCOUNT]
            body = {
                "image_urls": [images[i % 4], images[(i + 1) % 4]],
                "metadata": {"product": f"bench item {i}"},
                "language": "en",
            }
            t0 = time.monotonic()
            r = await client.post(
                "/v1/video/image_list_to_video", json=body, headers=auth(key)
            )
            rid = r.json().get("request_id") if r.status_code == 200 else None
            return key, rid, time.monotonic() - t0, str(r.status_code)

        t_start = time.monotonic()
        submitted = await asyncio.gather(*(submit(i) for i in range(count)))
        accepted = [(key, rid) for key, rid, _, _ in submitted if rid]
        rejected: dict[str, int] = {}
        for _, rid, _, code in submitted:
            if not rid:
                rejected[code] = rejected.get(code, 0) + 1

        finished: dict[str, tuple[str, float]] = {}
        deadline = time.monotonic() + timeout
        while len(finished) < len(accepted) and time.monotonic() < deadline:
            for key, rid in accepted:
                if rid in finished:
                    continue
                r = await client.get("/v1/status", params={"request_id": rid}, headers=auth(key))
                if r.status_code == 200 and r.json()["status"] != "PENDING":
                    finished[rid] = (r.json()["status"], time.monotonic() - t_start)
            await asyncio.sleep(1.0)

    done_at = sorted(t for status, t in finished.values() if status == "COMPLETED")
    wall = max((t for _, t in finished.values()), default=time.monotonic() - t_start)
    submit_ms = sorted(s * 1000 for _, _, s, _ in submitted)
    completed = len(done_at)
    return BurstResult(
        submitted=count, accepted=len(accepted), rejected=rejected, completed=completed,
        failed=sum(1 for status, _ in finished.values() if status != "COMPLETED"),
        lost=len(accepted) - len(finished),
        submit_p50_ms=round(percentile(submit_ms, 0.5), 1), submit_p99_ms=round(percentile(submit_ms, 0.99), 1),
        wall_s=round(wall, 1), jobs_per_min=round(completed / wall * 60, 1) if wall else 0.0,
        job_p50_s=round(statistics.median(done_at), 1) if done_at else math.nan,
        job_max_s=round(done_at[-1], 1) if done_at else math.nan,
        failures=[f"{rid}: {status}" for rid, (status, _) in finished.items() if status != "COMPLETED"],
    )


# -- main ------------------------------------------------------------------------------------


def seed_requests(base_url: str, keys: list[str]) -> list[tuple[str, str]]:
    """One completed image-enhance request per key: the rows the status load reads."""
    targets = []
    with httpx.Client(base_url=base_url, timeout=60) as c:
        for i, key in enumerate(keys):
            r = c.post("/v1/image/enhance", json={"image_url": small_image(i), "resolution": "1k"},
                       headers=auth(key))
            r.raise_for_status()
            targets.append((key, r.json()["request_id"]))
        for key, rid in targets:
            deadline = time.monotonic() + 120
            while True:
                body = c.get("/v1/status", params={"request_id": rid}, headers=auth(key)).json()
                if body["status"] == "COMPLETED":
                    break
                if body["status"] != "PENDING" or time.monotonic() > deadline:
                    raise RuntimeError(f"seed request {rid} did not complete: {body}")
                time.sleep(0.2)
    return targets


def machine_load() -> str:
    # The machine's own load says how far figures from a shared box can be trusted.
    load1, load5, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load1:.1f} / {load5:.1f}"


def report_status(status: StatusLoadResult) -> None:
    verdict = "PASS" if status.p99_ms <= 20 and status.errors == 0 else "MISS"
    print(f"GET /v1/status  {status.sent} requests at {status.target_rate:g}/s for {status.duration_s:g} s "
          f"(achieved {status.achieved_rate}/s, {status.connections} connections; {machine_load()})")
    print(f"  latency from scheduled send: p50 {status.p50_ms} ms  p90 {status.p90_ms} ms  "
          f"p99 {status.p99_ms} ms  p99.9 {status.p999_ms} ms  max {status.max_ms} ms")
    print(f"  server CPU: {status.server_cpu_ms_per_request} ms per request "
          f"({status.server_cpu_ms_per_request * status.achieved_rate / 10:.0f}% of one core)")
    print(f"  errors: {status.errors} {status.error_kinds or ''}  -> target p99 <= 20 ms, 0 errors: {verdict}",
          flush=True)


def report_burst(b: BurstResult) -> None:
    verdict = "PASS" if b.completed == b.submitted and b.lost == 0 else "MISS"
    print(f"burst: {b.submitted} image_list_to_video submissions (2 images each) sent at once ({machine_load()})")
    print(f"  accepted {b.accepted} (rejected {b.rejected or 0}), submit latency p50 {b.submit_p50_ms} ms "
          f"p99 {b.submit_p99_ms} ms")
    print(f"  completed {b.completed}, failed {b.failed}, lost {b.lost}; last done after {b.wall_s} s "
          f"-> {b.jobs_per_min} jobs/min (job done p50 {b.job_p50_s} s)  all complete, none lost: {verdict}",
          flush=True)
    for line in b.failures[:5]:
        print("   ", line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=300.0, help="GET /v1/status per second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of status load")
    ap.add_argument("--connections", type=int, default=100, help="most keep-alive connections the poller opens")
    ap.add_argument("--burst", type=int, default=100, help="image_list_to_video submissions (0 = skip)")
    ap.add_argument("--burst-timeout", type=float, default=1800.0, help="seconds to wait for the burst to finish")
    ap.add_argument("--database-url", default=None, help="postgresql://… for PostgreSQL mode (default: SQLite)")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temporary directory")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="rf-load-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, args.database_url)
    mode = "PostgreSQL" if args.database_url else "embedded SQLite"
    print(f"starting reelforge serve ({mode}) on {data_dir}", flush=True)
    server.start()
    try:
        status_result = burst_result = None
        if args.duration > 0 and args.rate > 0:
            n_keys = max(1, math.ceil(args.rate / KEY_RATE_SHARE))
            keys = [server.new_key(f"load-{i}", 10_000) for i in range(n_keys)]
            targets = seed_requests(server.base_url, keys)
            print(f"status load: {args.rate:g}/s for {args.duration:g} s over {n_keys} API keys", flush=True)
            cpu_before = server.cpu_seconds()
            load_run = status_load(server.base_url, targets, args.rate, args.duration, args.connections)
            status_result = asyncio.run(load_run)
            status_result.server_cpu_ms_per_request = round(
                (server.cpu_seconds() - cpu_before) * 1000 / status_result.sent, 3
            )
            report_status(status_result)
        if args.burst > 0:
            n_accounts = math.ceil(args.burst / JOBS_PER_ACCOUNT)
            keys = [server.new_key(f"burst-{i}", 1_000_000) for i in range(n_accounts)]
            print(f"burst: {args.burst} image_list_to_video submissions over {n_accounts} accounts", flush=True)
            burst_result = asyncio.run(burst(server.base_url, keys, args.burst, args.burst_timeout))
            report_burst(burst_result)
        if args.json:
            args.json.write_text(json.dumps({
                "mode": mode,
                "status_load": asdict(status_result) if status_result else None,
                "burst": asdict(burst_result) if burst_result else None,
            }, indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
