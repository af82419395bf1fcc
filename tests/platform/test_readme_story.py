"""The samsar-js README's external-user story through samsar-js itself (tests/platform/story.mjs): each
documented charge moves the external user's own balance, the platform account's stays put."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import ReelforgeServer

HERE = Path(__file__).parent
SAMSAR_JS = HERE.parent / "compat" / "node_modules" / "samsar-js" / "dist" / "index.js"


def test_readme_external_user_story(platform_server: ReelforgeServer) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not SAMSAR_JS.exists():
        pytest.fail("samsar-js is not installed: run `npm ci --prefix tests/compat`")
    key = platform_server.new_key(credits=777, name="whop-platform")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")},
           "REELFORGE_BASE_URL": platform_server.base_url + "/v1", "REELFORGE_API_KEY": key,
           "SAMSAR_JS": str(SAMSAR_JS)}
    run = subprocess.run([node, str(HERE / "story.mjs")], env=env, capture_output=True, text=True, timeout=540)
    assert run.returncode == 0, run.stderr[-3000:]
    story = json.loads(run.stdout.strip().splitlines()[-1])
    steps = {s["name"]: s for s in story["steps"]}
    assert story["sessionInfo"] == {"remaining": 0, "key": True}
    assert steps["grantExternalUserCredits"]["remaining"] == 20000
    balance = 20000
    for step in story["steps"][2:]:  # every later step: the balance moves by exactly what it charged
        assert step["charged"] is not None and step["remaining"] == balance - step["charged"], step
        balance = step["remaining"]
    for charged in ("createExternalVideoFromText", "updateExternalVideoOutroImage",
                    "createExternalAssistantCompletion", "generateExternalEmbeddingsFromPlainText"):
        assert steps[charged]["charged"] > 0, steps[charged]
    assert story["renderStatus"] == "COMPLETED"
    assert all(i.startswith("extreq_") for i in (story["renderId"], story["outroId"], story["footerId"]))
    assert story["renderId"] in story["libraryIds"]
    assert story["unserved"] == []
    assert story["assistantText"].strip()
    assert story["publishedTitle"] == "Running shoe teaser"
    with platform_server.client(None) as feed:
        titles = {p["session_id"]: p["title"] for p in feed.get("/v1/publications/feed").json()["publications"]}
    assert titles[story["renderId"]] == "Running shoe teaser"
    assert story["verifiedIsExternal"] is True
    # archived: out of the library the auth token lists; the outro and footer renders remain
    assert story["renderId"] not in story["externalLibraryIds"]
    assert {story["outroId"], story["footerId"]} <= set(story["externalLibraryIds"])
    with platform_server.client(key) as c:
        assert c.get("/v1/credits").json()["remainingCredits"] == 777
