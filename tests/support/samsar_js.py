"""Running a samsar-js check script (``*.mjs`` built on ``support/sdk_run.mjs``) against a test server:
the environment it reads and the one JSON summary line it prints."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from support.servers import ReelforgeServer


def sdk_env(server: ReelforgeServer, credits: int, name: str, **extra: str) -> dict[str, str]:
    """The script's environment: a fresh key with ``credits`` on ``server`` and ``extra``; none of the
    caller's own ``REELFORGE_*`` settings, which would point the SDK elsewhere."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")},
        "REELFORGE_BASE_URL": server.base_url + "/v1",
        "REELFORGE_API_KEY": server.new_key(credits=credits, name=name),
        **extra,
    }


def run_sdk_script(node: str, script: Path, env: dict[str, str], timeout: float) -> set[str]:
    """Runs ``script`` (from its own folder) and asserts it recorded no failure; the methods it served."""
    run = subprocess.run([node, str(script)], env=env, cwd=script.parent, capture_output=True, text=True,
                         timeout=timeout)
    lines = run.stdout.strip().splitlines()
    assert lines, f"no summary:\n{run.stderr}"
    summary: dict[str, Any] = json.loads(lines[-1])
    assert not summary["failures"], json.dumps(summary["failures"], indent=2)[:4000]
    return set(summary["served"])
