"""The samsar-js readme's embeddings examples, verbatim, against a real server (only the embeddings methods of
tests/compat/compat.mjs: quick enough to run on its own; the full suite runs them too)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compat.test_compat_samsar_js import EMBEDDINGS, HERE, docs_site
from conftest import png_bytes
from support import FixtureHTTP, ReelforgeServer


def test_readme_embeddings_examples(server: ReelforgeServer, fixture_http: FixtureHTTP, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (Node >= 18 runs the samsar-js compatibility suite)")
    if not (HERE / "node_modules" / "samsar-js" / "package.json").exists():
        pytest.fail("samsar-js is not installed: run `npm ci --prefix tests/compat`")
    image = tmp_path / "probe.png"
    image.write_bytes(png_bytes(64, 64))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")},
        "REELFORGE_BASE_URL": server.base_url + "/v1",
        "REELFORGE_API_KEY": server.new_key(credits=100_000, name="samsar-js-embeddings"),
        "COMPAT_IMAGE_FILE": str(image),
        "COMPAT_SITE_URL": docs_site(fixture_http),
        "COMPAT_ONLY": "Embedding",
    }
    run = subprocess.run([node, str(HERE / "compat.mjs")], env=env, cwd=HERE, capture_output=True, text=True,
                         timeout=300)
    lines = run.stdout.strip().splitlines()
    assert lines, f"no summary from the suite:\n{run.stderr}"
    summary = json.loads(lines[-1])
    assert set(summary["served"]) == EMBEDDINGS, summary["served"]
    assert not summary["failures"], json.dumps(summary["failures"], indent=2) + "\n" + run.stderr
    assert run.returncode == 0, run.stderr
