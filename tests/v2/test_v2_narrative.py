"""Narratives (``/v2/external/narrative/*``) and ``/v2/video/regenerate_avatar`` through HTTP with
real workers: the scripts come from the language model (offline SmolLM2 here), the branching tree
has the requested depth, and a new avatar re-renders the scenes it changed, not the outro."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from compat.test_compat_samsar_js import node_or_skip
from reelforge.render.probe import probe_media
from support import ReelforgeServer, submit, wait_status
from support.media import download, frame_at, product_photo
from support.quotes import quote_then_charge
from support.samsar_js import run_sdk_script, sdk_env

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))
from test_video_ops import render_reuse, stages_run  # noqa: E402

NARRATIVE_STATUS = "/v2/external/narrative/status"
HEX24 = re.compile(r"^[0-9a-f]{24}$")


def narrative_done(c: httpx.Client, rid: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(NARRATIVE_STATUS, params={"request_id": rid})
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] not in ("PENDING", "PROCESSING"):
            assert body["status"] == "COMPLETED", body
            return dict(body)
        time.sleep(0.5)
    raise TimeoutError(rid)


def session_layers(server: ReelforgeServer, request_id: str) -> list[dict]:
    with sqlite3.connect(server.data_dir / "reelforge.db") as db:
        (doc,) = db.execute("select document from session_versions where request_id=?", (request_id,)).fetchone()
    return list(json.loads(doc)["layers"])


def test_single_and_branching_narratives(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=10_000)
    with server.client(key, timeout=60) as c:
        r = c.post("/v2/external/narrative/create_single",
                   json={"prompt": "A lighthouse keeper finds a message in a bottle", "duration": 12})
        assert r.status_code == 202, r.text
        queued = r.json()
        assert HEX24.match(queued["request_id"]) and queued["status"] == "PENDING"
        assert queued["request_type"] == "create_single" and queued["narrative_type"] == "singular"
        single = narrative_done(c, queued["request_id"])
        scenes = single["movieResourceList"]["scenes"]
        assert len(scenes) == 2 and all(len(s["narration"].split()) >= 3 for s in scenes), scenes
        assert single["provider"] == "offline" and "SmolLM2" in single["written_by"]["model"]
        assert single["written_by"]["calls"] >= 2 and single["billing"]["usage"]["outputTokens"] > 0
        assert single["narrativeJson"] == single["movieResourceList"]

        quoted, charged, answer = quote_then_charge(c, "/v2/external/narrative/create_branching",
                                                    {"narrative_request_id": queued["request_id"], "num_levels": 2})
        assert quoted == charged > 0
        tree_id = answer["request_id"]
        assert HEX24.match(tree_id) and answer["source_narrative_request_id"] == queued["request_id"]
        branched = narrative_done(c, tree_id)
        tree, meta = branched["movieResourceList"], branched["branchingMeta"]
        assert tree["numLevels"] == 2 and meta["nodeCount"] == 7 and len(meta["leafNodeIds"]) == 4
        assert len(tree["branchPoints"]) == 3
        nodes = {n["nodeId"]: n for n in tree["nodes"]}
        for point in tree["branchPoints"]:
            paths = point["divergencePaths"]
            assert len(paths) == 2 and all(p["path_name"] and p["path_description"] for p in paths)
            kept = point["divergenceSceneIndex"] + 1
            parent = nodes[point["parentNodeId"]]
            for p in paths:  # a child keeps its parent's path up to the divergence and continues it
                child = nodes[p["childNodeId"]]
                assert child["scenes"][:kept] == parent["scenes"][:kept]
                assert len(child["scenes"]) > kept

        quoted, charged, video = quote_then_charge(c, "/v2/external/video/narrative_to_video", {"input": {
            "narrative_request_id": queued["request_id"], "image_model": "GPTIMAGE2", "aspect_ratio": "9:16"}})
        assert quoted == charged > 0
        assert video["source_narrative_request_id"] == queued["request_id"]
        rendered = wait_status(c, video["request_id"], timeout=400, path="/v2/external/video/status")
        assert rendered["status"] == "COMPLETED", rendered
        info = probe_media(download(rendered["result_url"], tmp_path / "narrative.mp4"))
        assert info["height"] > info["width"] and info["duration"] >= 10, info
        # The video says the narrative's lines as the model wrote them (no second script was written).
        said = [layer["narration"] for layer in session_layers(server, video["request_id"])]
        assert said[:2] == [s["narration"] for s in scenes]

        for path, body, field in (
            ("/v2/external/video/narrative_to_video", {"narrative_request_id": "vid_123"}, "narrative_request_id"),
            ("/v2/external/video/narrative_to_video", {"narrative_request_id": queued["request_id"],
                                                       "video_model": "VEO3.1I2V"}, "video_model"),
            ("/v2/external/narrative/create_single", {"prompt": "x", "duration": 5}, "duration"),
            ("/v2/external/narrative/create_single", {"duration": 20}, "prompt"),
            ("/v2/external/narrative/create_single", {"prompt": "x", "duration": 20, "video_model": "NOPE"},
             "video_model"),
            ("/v2/external/narrative/create_branching", {"narrative_request_id": "abc", "num_levels": 1},
             "narrative_request_id"),
            ("/v2/external/narrative/create_branching", {"narrative_request_id": tree_id, "num_levels": 1},
             "narrative_request_id"),
            ("/v2/external/narrative/create_branching", {"narrative_request_id": queued["request_id"],
                                                         "num_levels": 9}, "num_levels"),
        ):
            refused = c.post(path, json=body)
            assert refused.status_code == 400 and refused.json()["field"] == field, (body, refused.text)


def _footer_band(video: Path, at: float, out: Path) -> np.ndarray:
    frame = frame_at(video, at, out)
    h, w = frame.shape[:2]
    return frame[int(h * 0.8):, w // 3 : 2 * w // 3].astype(np.int16)


def test_regenerate_avatar(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=100_000)
    base = submit(server, key, "/v1/video/image_list_to_video", {
        "image_urls": [product_photo(2)], "language": "en", "add_narrator_avatar": True,
        "outro_image_url": product_photo(3), "enable_subtitles": False,
    })
    assert base["status"] == "COMPLETED", base
    with server.client(key, timeout=120) as c:
        quoted, charged, answer = quote_then_charge(c, "/v2/video/regenerate_avatar",
                                                    {"input": {"videoSessionId": base["request_id"]}})
        assert quoted == charged
        assert answer["sessionID"] == answer["request_id"] and isinstance(answer["avatar_seed"], int)
        done = wait_status(c, answer["request_id"], timeout=400)
        assert done["status"] == "COMPLETED", done
        for body, field in (({}, "videoSessionId"), ({"videoSessionId": base["request_id"], "avatar_seed": -1},
                                                     "avatar_seed")):
            refused = c.post("/v2/video/regenerate_avatar", json={"input": body})
            assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
    assert set(stages_run(server, done["request_id"])) == {"frame_generation", "video_generation"}
    reuse = render_reuse(server, done["request_id"])
    # The scene (its overlay changed) was re-encoded; the outro's spans and the sound were re-used.
    assert 0 < reuse["spans_reused"] < reuse["spans"] and reuse["sound_reused"] is True, reuse
    before = download(base["result_url"], tmp_path / "before.mp4")
    after = download(done["result_url"], tmp_path / "after.mp4")
    info = probe_media(after)
    assert abs(info["duration"] - probe_media(before)["duration"]) < 0.1
    old, new = _footer_band(before, 1.0, tmp_path / "b.png"), _footer_band(after, 1.0, tmp_path / "a.png")
    # Another person (regenerate draws one that looks unlike the source): a clear part of the band changed.
    changed = float((np.abs(old - new).max(axis=2) > 30).mean())
    assert changed > 0.02, changed



def test_narratives_through_samsar_js(server: ReelforgeServer) -> None:
    """tests/v2/narrative_sdk.mjs: the SDK's narrative, narrative-to-video and avatar methods, each 2xx and
    then COMPLETED through the SDK's own status or poll method (docs/compatibility.md marks them checked)."""
    node = node_or_skip()
    served = run_sdk_script(node, Path(__file__).parent / "narrative_sdk.mjs",
                            sdk_env(server, 100_000, "samsar-js-narrative"), timeout=900)
    assert served == {
        "createExternalSingleNarrativeAndPoll", "getExternalNarrativeStatus", "createV2ExternalBranchingNarrative",
        "pollV2ExternalNarrative", "createExternalVideoFromNarrative", "getV2ExternalVideoStatus",
        "regenerateV2VideoAvatar", "getV2Status", "createTextToInteractiveVideoDraftSession",
        "createTextToInteractiveVideo",
    }, served


def test_text_to_interactive_video(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=100_000)
    with server.client(key, timeout=60) as c:
        draft = c.post("/v2/text_to_interactive_video/session", json={})
        assert draft.status_code == 200 and draft.json()["status"] == "DRAFT", draft.text
        sid = draft.json()["session_id"]
        assert HEX24.match(sid)
        body = {"prompt": "Two friends explore a cave behind a waterfall", "duration": 10, "num_levels": 1,
                "image_model": "GPTIMAGE2", "video_model": "RUNWAYML", "aspect_ratio": "9:16", "session_id": sid}
        r = c.post("/v2/text_to_interactive_video", json={"input": body})
        assert r.status_code == 200, r.text
        assert r.json()["request_id"] == sid and r.json()["interactive_video_request_id"] == sid
        done = wait_status(c, sid, timeout=600, path="/v2/status")
        assert done["status"] == "COMPLETED", done
        again = c.post("/v2/text_to_interactive_video", json={"input": body})
        assert again.status_code == 400 and again.json()["field"] == "session_id"
        for bad, field in (({**body, "session_id": None, "num_levels": 0}, "num_levels"),
                           ({**body, "session_id": None, "image_model": "NOPE"}, "image_model")):
            refused = c.post("/v2/text_to_interactive_video", json={"input": {k: v for k, v in bad.items() if v}})
            assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
    manifest = done["interactive"]
    points = manifest["tree"]["choice_points"]
    assert len(points) == 1 and len(points[0]["options"]) == 2 and points[0]["switch_at_seconds"] > 0
    clips = manifest["outputs"]["clips"]
    assert set(clips) == {"root", "root.1", "root.2"} and clips["root"]["url"] == done["result_url"]
    assert [p["node_ids"] for p in manifest["outputs"]["paths"]] == [["root", "root.1"], ["root", "root.2"]]
    for node, clip in clips.items():
        info = probe_media(download(clip["url"], tmp_path / f"{node}.mp4"))
        assert info["height"] > info["width"] and info["duration"] > 1, (node, info)
    assert abs(points[0]["switch_at_seconds"] - clips["root"]["duration"]) < 0.01
