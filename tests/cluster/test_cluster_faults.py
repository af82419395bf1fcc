"""Faults a cluster survives: real PostgreSQL, real API and worker processes, ``kill -9``.

The webhook-receiver outage has its own module (test_cluster_webhook_outage.py).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from cluster.cluster_support import Cluster, final_status, running, stage_is, status_of, wait_until
from cluster.pg_cluster import PostgresCluster
from reelforge.render.probe import probe_media
from support.media import data_url, png_bytes


def ffmpeg_pids_for(request_id: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"ffmpeg.*{request_id}"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_render_worker_killed_mid_render_another_worker_finishes(cluster: Cluster, tmp_path: Path) -> None:
    cluster.add_worker("cpu,io,gpu")
    render_a = cluster.add_worker("render")
    render_a_id = cluster.executor_of(render_a)
    key = cluster.new_key(credits=5000)
    photos = [data_url(png_bytes(480, 360, seed=s)) for s in (1, 2)]
    with cluster.api.client(key, timeout=60) as c:
        r = c.post(
            "/v1/video/image_list_to_video",
            json={"input": {"image_urls": photos, "language": "en", "aspect_ratio": "16:9", "enable_subtitles": False}},
        )
        assert r.status_code == 200, r.text
        rid, charged = r.json()["request_id"], r.json()["creditsCharged"]

        # The render stage has stored the session version and is inside ffmpeg: kill its worker.
        def rendering() -> bool:
            saved = cluster.sql("select 1 from session_versions where request_id = %s", rid)
            return bool(saved) and bool(ffmpeg_pids_for(rid)) and stage_is(c, rid, "video_generation", "IN_PROGRESS")

        wait_until(rendering, timeout=180, interval=0.05, what="render started")
        render_a.kill9()
        assert status_of(c, rid)["status"] == "PENDING"
        assert cluster.sql("select result_key from session_versions where request_id = %s", rid) == [(None,)]
        wait_until(lambda: not ffmpeg_pids_for(rid), timeout=10, what="ffmpeg gone with its worker")

        # A new render worker under another id; a live process declares render-a dead and
        # hands its workflows back to the render queue.
        render_b = cluster.add_worker("render")
        render_b_id = cluster.executor_of(render_b)
        final = final_status(c, rid, timeout=180)
        assert final["status"] == "COMPLETED", final
        ledger = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        balance = c.get("/v1/credits").json()["remainingCredits"]

    runs = cluster.sql("select stage, status, executor_id from stage_runs where request_id = %s order by id", rid)
    # PENDING: the engine's record that it started the render's group (pause_render comes too late after it).
    render_runs = [(status, executor) for stage, status, executor in runs
                   if stage == "video_generation" and status != "PENDING"]
    assert render_runs == [("IN_PROGRESS", render_a_id), ("COMPLETED", render_b_id)], runs
    others = [(stage, status) for stage, status, _ in runs if stage != "video_generation"]
    assert len(others) == len({stage for stage, _ in others}) >= 4, runs  # each earlier stage ran once
    assert {status for _, status in others} <= {"COMPLETED", "REUSED"}, runs

    # Charged once on acceptance; at most one settlement to the rendered duration follows.
    assert (ledger[0]["kind"], ledger[0]["amount"]) == ("charge", -charged), ledger
    assert [e["note"] for e in ledger[1:]] in ([], ["settle to final duration"]), ledger
    assert balance == 5000 + sum(e["amount"] for e in ledger)
    versions = cluster.sql("select version, result_key from session_versions where request_id = %s", rid)
    assert versions == [(1, f"videos/{rid}.mp4")], versions
    video = tmp_path / "out.mp4"
    video.write_bytes(httpx.get(final["result_url"], timeout=60).content)
    info = probe_media(video)
    assert info["video_codec"] == "h264" and info["duration"] == pytest.approx(final["duration"], abs=0.1)
    wait_until(lambda: not cluster.sql("select 1 from executor_heartbeats where executor_id = %s", render_a_id),
               timeout=15, what="dead executor forgotten")  # fmt: skip


def submit_enhance(client: httpx.Client, seed: int = 0) -> str:
    r = client.post("/v1/image/enhance", json={"image_url": data_url(png_bytes(96, 64, seed=seed))})
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


def test_api_killed_and_restarted_mid_job(cluster: Cluster) -> None:
    cluster.add_worker(env={"REELFORGE_FAULT_STAGE_DELAY_S": "4"})
    old_api_id = cluster.executor_of(cluster.api)
    key = cluster.new_key(credits=500)
    with cluster.api.client(key) as c:
        rid = submit_enhance(c)
        wait_until(lambda: stage_is(c, rid, "image_enhance", "IN_PROGRESS"), what="stage running")
        cluster.api.kill9()
        with pytest.raises(httpx.ConnectError):
            status_of(c, rid)
        cluster.start_api()  # same port, new process, new executor id
        assert status_of(c, rid)["status"] in ("PENDING", "COMPLETED")
        final = final_status(c, rid, timeout=60)
        assert final["status"] == "COMPLETED", final
        assert [e["kind"] for e in c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]] == [
            "charge"
        ]
        assert c.post("/v1/image/enhance", json={}).status_code == 400  # and it keeps serving
    assert cluster.sql("select status from stage_runs where request_id = %s", rid) == [("COMPLETED",)]
    # The dead API process had nothing pending: a live process notices and forgets it.
    wait_until(lambda: not cluster.sql("select 1 from executor_heartbeats where executor_id = %s", old_api_id),
               timeout=15, what="dead API executor forgotten")  # fmt: skip


def test_postgres_restarted_mid_job(tmp_path: Path, pg_cluster: PostgresCluster) -> None:
    # Its own server: restarting the shared one would cut every other test's connections.
    pg = PostgresCluster(pg_cluster.bin_dir).init().start()
    try:
        with running(Cluster(tmp_path / "pg-restart", pg.create_database())) as cl:
            cl.start_api()
            cl.add_worker(env={"REELFORGE_FAULT_STAGE_DELAY_S": "4"})
            key = cl.new_key(credits=500)
            with cl.api.client(key) as c:
                first = submit_enhance(c, seed=1)
                wait_until(lambda: stage_is(c, first, "image_enhance", "IN_PROGRESS"), what="stage running")
                pg.restart()  # every connection of every process is cut
                second = submit_enhance(c, seed=2)  # accepted right after the restart
                finals = [final_status(c, rid, timeout=90) for rid in (first, second)]
            assert [f["status"] for f in finals] == ["COMPLETED", "COMPLETED"], finals
            assert cl.sql("select count(*) from requests where status = 'PENDING'") == [(0,)]
            wait_until(lambda: not cl.sql("select 1 from dbos.workflow_status where status in ('PENDING', 'ENQUEUED')"),
                       timeout=20, what="no workflow left pending")  # fmt: skip
            # Nobody was falsely declared dead after the outage: each stage ran exactly once.
            runs = cl.sql("select request_id, status from stage_runs order by id")
            assert sorted(runs) == sorted([(first, "COMPLETED"), (second, "COMPLETED")]), runs
    finally:
        pg.destroy()


def test_job_that_crashes_every_worker_ends_failed_and_refunded(cluster: Cluster) -> None:
    """Each worker that picks the job dies (os._exit in the stage); each replacement has a new
    executor id. DBOS counts dispatches across executors, so after max_recovery_attempts + 1
    crashes the workflow is dead-lettered and the Janitor fails and refunds the request."""
    crash = {"REELFORGE_FAULT_CRASH_STAGES": '["image_enhance"]'}
    workers = [cluster.add_worker("cpu,io", env=crash)]
    key = cluster.new_key(credits=500)
    with cluster.api.client(key) as c:
        rid = submit_enhance(c)

        def ended() -> bool:  # supervise: replace each dead worker by a new one (new executor id)
            if workers[-1].proc is not None and workers[-1].proc.poll() is not None:
                workers.append(cluster.add_worker("cpu,io", env=crash))
            return status_of(c, rid)["status"] != "PENDING"

        wait_until(ended, timeout=150, interval=0.5, what="job ended")
        final = status_of(c, rid)
        assert final["status"] == "FAILED" and "crashed its worker too many times" in final["message"], final
        ledger = c.get("/v1/credits/ledger", params={"request_id": rid}).json()["entries"]
        assert [(e["kind"], e["amount"]) for e in ledger] == [("charge", -45), ("refund", 45)]
        assert c.get("/v1/credits").json()["remainingCredits"] == 500
    attempts = cluster.sql(
        "select executor_id from stage_runs where request_id = %s and stage = 'image_enhance' order by id", rid
    )
    crashed = [w for w in workers if w.proc is not None and w.proc.poll() is not None]
    assert len(attempts) == len(crashed) == 4, (attempts, len(workers))  # max_recovery_attempts (3) + 1
    assert len({a for (a,) in attempts}) == 4  # four different executors
    time.sleep(3)  # the bound holds: the last worker is not killed again
    assert workers[-1].proc is not None and workers[-1].proc.poll() is None
