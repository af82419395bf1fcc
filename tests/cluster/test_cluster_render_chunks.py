"""Span-parallel rendering in a real cluster: one render's chunks are encoded by two render worker
processes, and killing one of them mid-chunk still completes the video (only that chunk is lost:
another worker encodes it again). The render is paused before it starts (pause_render: no chunk is
handed out while it is held) and resumed, and its progress only goes forward as chunks end."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from cluster.cluster_support import Cluster, final_status, wait_until
from reelforge.render.probe import probe_media
from support.media import data_url, png_bytes

pytestmark = pytest.mark.timeout(600)  # a render of 8 scenes in a cluster of 4 processes

# Every layer its own chunk, and any render long enough to split: a short video exercises it all.
CHUNKS_ENV = {"REELFORGE_RENDER_CHUNK_S": "2", "REELFORGE_RENDER_SPLIT_MIN_S": "5"}
RENDER = "video_generation"


def _workflows(cluster: Cluster, pattern: str) -> list[tuple[str, str, str]]:
    """(workflow id, status, executor) of the workflows whose ids are like ``pattern``."""
    rows = cluster.sql("select workflow_uuid, status, executor_id from dbos.workflow_status "
                       "where workflow_uuid like %s order by workflow_uuid", pattern)
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def _chunk_workflows(cluster: Cluster, request_id: str) -> list[tuple[str, str, str]]:
    return _workflows(cluster, f"{request_id}:chunk:%")


def _held_before_render(c: httpx.Client, rid: str) -> bool:
    stages = c.get("/v1/status", params={"request_id": rid}).json().get("expressGenerationStatus", {})
    return stages.get(RENDER) == "PAUSED" and all(v == "COMPLETED" for k, v in stages.items() if k != RENDER)


def _ffmpeg_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid), "-f", "ffmpeg"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_chunks_spread_over_render_workers_and_survive_one_killed_mid_chunk(cluster: Cluster,
                                                                             tmp_path: Path) -> None:
    cluster.add_worker("cpu,io,gpu", env=CHUNKS_ENV)
    render_a = cluster.add_worker("render", env=CHUNKS_ENV)
    render_b = cluster.add_worker("render", env=CHUNKS_ENV)
    a_id, b_id = cluster.executor_of(render_a), cluster.executor_of(render_b)
    key = cluster.new_key(credits=20000)
    photos = [data_url(png_bytes(480, 360, seed=s)) for s in range(8)]
    with cluster.api.client(key, timeout=60) as c:
        r = c.post("/v1/video/image_list_to_video",
                   json={"input": {"image_urls": photos, "language": "en", "aspect_ratio": "16:9",
                                   "enable_subtitles": False}})
        assert r.status_code == 200, r.text
        rid = r.json()["request_id"]
        session = {"input": {"videoSessionId": rid}}
        assert c.post("/v1/video/pause_render", json=session).status_code == 200
        wait_until(lambda: _held_before_render(c, rid), timeout=400, interval=0.2, what="held before the render")
        assert not _chunk_workflows(cluster, rid)
        assert c.post("/v1/video/resume_render", json=session).status_code == 200

        # The render stage runs on one render worker (the planner), which encodes chunks too while it
        # waits; the other one (the helper) only encodes chunks. Kill the helper once it has finished
        # a chunk and is inside ffmpeg on another. (Killing the planner also completes the video: the
        # render is recovered and encodes only what the span cache lacks.)
        def render_stage_executor() -> str | None:
            flows = [f for f in _workflows(cluster, f"{rid}:{RENDER}") if f[1] == "PENDING"]
            return flows[0][2] if flows and flows[0][2] in (a_id, b_id) else None

        wait_until(lambda: render_stage_executor() is not None, timeout=400, interval=0.2, what="render stage")
        planner_id = render_stage_executor()
        helper, helper_id = (render_b, b_id) if planner_id == a_id else (render_a, a_id)

        def helper_mid_second_chunk() -> bool:
            flows = _chunk_workflows(cluster, rid)
            done_by_helper = [f for f in flows if f[1] == "SUCCESS" and f[2] == helper_id]
            running_on_helper = [f for f in flows if f[1] == "PENDING" and f[2] == helper_id]
            assert helper.proc is not None
            return bool(done_by_helper and running_on_helper and _ffmpeg_children(helper.proc.pid))

        wait_until(helper_mid_second_chunk, timeout=400, interval=0.1, what="the helper inside its second chunk")
        lost = [f[0] for f in _chunk_workflows(cluster, rid) if f[1] == "PENDING" and f[2] == helper_id]
        helper.kill9()
        final = final_status(c, rid, timeout=400)
        assert final["status"] == "COMPLETED", final

    (output,) = cluster.sql("select output from stage_runs where request_id = %s and stage = 'video_generation' "
                            "and status = 'COMPLETED'", rid)[0]
    schedule: list[dict[str, Any]] = output["render"]["chunks"]
    assert [chunk["index"] for chunk in schedule] == list(range(len(schedule))) and len(schedule) >= 3, schedule
    assert {chunk["worker"] for chunk in schedule} == {a_id, b_id}, schedule  # two processes encoded chunks
    # The chunk the helper was killed in was encoded again, by the planner, once the helper was declared dead.
    flows = {f[0]: f for f in _chunk_workflows(cluster, rid)}
    assert lost and all(flows[wf][1:] == ("SUCCESS", planner_id) for wf in lost), (lost, flows)
    video = tmp_path / "out.mp4"
    video.write_bytes(httpx.get(final["result_url"], timeout=60).content)
    info = probe_media(video)
    assert info["video_codec"] == "h264" and info["duration"] == pytest.approx(final["duration"], abs=0.1)

    events = cluster.sql("select type, percent, data from request_events where request_id = %s order by seq", rid)
    percents = [percent for _type, percent, _data in events]
    assert percents == sorted(percents) and percents[-1] == 100
    render = [data["stage_percent"] for kind, _, data in events if kind == "progress" and data["stage"] == RENDER]
    assert len(render) >= 2 and render == sorted(render), render  # as chunks end, never backwards
