"""Engine overhead per request: POST → COMPLETED minus the time its stages ran.

    .venv/bin/python bench/latency.py                     # embedded default (SQLite)
    .venv/bin/python bench/latency.py --postgres          # a throwaway PostgreSQL (tests/cluster/pg_cluster.py)
    .venv/bin/python bench/latency.py --database-url postgresql://…
    .venv/bin/python bench/latency.py --idle 30           # also the idle server's CPU over 30 s

Starts a real ``reelforge serve`` (API + in-process workers, bench/load.py's ``Server``), then runs
--runs requests of each kind one after another: an image enhance (one stage) and a 2-image video (all
the video stages). For each, the overhead is the wall time from the POST's send to the status poll that
first sees COMPLETED, minus the sum of its stages' own run times (``StageRun.started_at`` to
``finished_at``): what queue pickups, hand-offs between stages and the final bookkeeping cost. The
request's status is read from the server's database every 10 ms (not through the API, whose polls
would load the server being measured), so detection adds at most ~10 ms. Prints the
median and the spread per kind (goal: median ≤ 0.3 s).

``--idle S``: after start-up settles (5 s), the server's CPU time (user + sys, all threads, from
/proc) over S seconds with nothing to do, as a share of one core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "cluster"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from load import Server, auth, small_image  # noqa: E402

from reelforge.db.database import Database  # noqa: E402
from reelforge.db.models import Request, StageRun  # noqa: E402

POLL_S = 0.01
KINDS: dict[str, tuple[str, Callable[[], dict[str, object]]]] = {
    "image enhance": ("/v1/image/enhance", lambda: {"image_url": small_image(1), "resolution": "1k"}),
    "2-image video": ("/v1/video/image_list_to_video",
                      lambda: {"input": {"image_urls": [small_image(2), small_image(3)]}}),
}


def _stage_seconds(db: Database, request_id: str) -> float:
    with db.session() as s:
        runs = s.scalars(select(StageRun).where(StageRun.request_id == request_id)).all()
        return sum((r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at)


def timeline(db: Database, request_id: str) -> str:
    """Each stage's run, in seconds after the request was accepted, then when it was marked done:
    the gaps are the engine's hand-offs."""
    with db.session() as s:
        req = s.get(Request, request_id)
        assert req is not None
        runs = s.scalars(select(StageRun).where(StageRun.request_id == request_id).order_by(StageRun.started_at)).all()
        steps = [f"{r.stage} {(r.started_at - req.created_at).total_seconds():.3f}-"
                 f"{(r.finished_at - req.created_at).total_seconds():.3f}" for r in runs if r.finished_at]
        return ", ".join([*steps, f"done {(req.updated_at - req.created_at).total_seconds():.3f}"])


def one(client: httpx.Client, db: Database, path: str, body: dict[str, object]) -> tuple[float, float, str]:
    """(wall seconds from POST to COMPLETED, seconds its stages ran, its request id)."""
    started = time.monotonic()
    answer = client.post(path, json=body)
    answer.raise_for_status()
    rid = answer.json()["request_id"]
    while True:
        # Read from the database, not GET /v1/status: 100 HTTP polls a second hit the per-key rate
        # limit and load the server under test (auth, JSON), slowing the very hand-offs measured.
        with db.session() as s:
            status = s.scalars(select(Request.status).where(Request.id == rid)).one()
        if status != "PENDING":
            break
        time.sleep(POLL_S)
    wall = time.monotonic() - started
    if status != "COMPLETED":
        raise RuntimeError(f"{rid} ended {status}")
    return wall, _stage_seconds(db, rid), rid


def idle_cpu(server: Server, seconds: float) -> float:
    time.sleep(5)  # start-up work (migrations, first heartbeats) settles
    before = server.cpu_seconds()
    time.sleep(seconds)
    return (server.cpu_seconds() - before) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL for the run")
    parser.add_argument("--idle", type=float, default=0.0, help="measure idle server CPU over this many seconds")
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    args = parser.parse_args()

    cluster = None
    url = args.database_url
    if args.postgres:
        from pg_cluster import PostgresCluster, find_pg_bin

        bin_dir = find_pg_bin()
        if bin_dir is None:
            sys.exit("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
        cluster = PostgresCluster(bin_dir).init().start()
        url = cluster.create_database("latency")
    server = Server(Path(tempfile.mkdtemp(prefix="rf-latency-")), url)
    try:
        server.start()
        mode = "PostgreSQL" if url else "embedded (SQLite)"
        if args.idle:
            share = idle_cpu(server, args.idle)
            print(f"{mode}: idle server CPU over {args.idle:.0f} s: {share * 100:.2f} % of a core", flush=True)
        db = Database(url or f"sqlite:///{server.data_dir / 'reelforge.db'}")
        key = server.new_key("latency", 10_000_000)
        with httpx.Client(base_url=server.base_url, headers=auth(key), timeout=300) as client:
            for kind in args.kinds:
                path, body = KINDS[kind]
                one(client, db, path, body())  # warm-up: first imports, first render
                overheads, walls = [], []
                for _ in range(args.runs):
                    wall, stages, rid = one(client, db, path, body())
                    overheads.append(wall - stages)
                    walls.append(wall)
                print(f"{mode}, {kind}: overhead median {statistics.median(overheads):.3f} s "
                      f"(min {min(overheads):.3f}, max {max(overheads):.3f}) of wall median "
                      f"{statistics.median(walls):.3f} s, {args.runs} runs (goal <= 0.3 s)", flush=True)
                print(f"    last run (s after acceptance): {timeline(db, rid)}", flush=True)
    finally:
        server.stop()
        if cluster is not None:
            cluster.destroy()


if __name__ == "__main__":
    main()
