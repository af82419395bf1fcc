"""The samsar-js readme's embeddings examples, verbatim, against a real server (only the embeddings methods of
tests/compat/compat.mjs: quick enough to run on its own; the full suite runs them too)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from compat.test_compat_samsar_js import EMBEDDINGS, HERE, docs_site, node_or_skip
from support import FixtureHTTP, ReelforgeServer
from support.media import png_bytes


def test_readme_embeddings_examples(server: ReelforgeServer, fixture_http: FixtureHTTP, tmp_path: Path) -> None:
    node = node_or_skip()
    image = tmp_path / "probe.png"
    image.write_bytes(png_bytes(64, 64))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")},
        "REELFORGE_BASE_URL": server.base_url + "/v1",
        "REELFORGE_API_KEY": server.new_key(credits=100_000, name="samsar-js-embeddings"),
        "COMPAT_IMAGE_FILE": str(image),
        "COMPAT_SITE_URL": docs_site(fixture_http),
        # The embeddings issue's methods: the gallery's (…GalleryEmbeddings…) belong to the platform suite.
        "COMPAT_ONLY": "^(?!.*Gallery).*Embedding",
    }
    run = subprocess.run([node, str(HERE / "compat.mjs")], env=env, cwd=HERE, capture_output=True, text=True,
                         timeout=300)
    lines = run.stdout.strip().splitlines()
    assert lines, f"no summary from the suite:\n{run.stderr}"
    summary = json.loads(lines[-1])
    assert set(summary["served"]) == EMBEDDINGS, summary["served"]
    assert not summary["failures"], json.dumps(summary["failures"], indent=2) + "\n" + run.stderr
    assert run.returncode == 0, run.stderr
