"""`reelforge quickstart` prints a key with credits and a curl example that works as printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from support import free_port, wait_for


def test_quickstart_prints_a_working_curl_example(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELFORGE_")}
    env["REELFORGE_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelforge.cli", "quickstart", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), timeout=60)
        os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
        time.sleep(0.5)
        out = proc.stdout.read() or ""  # type: ignore[union-attr]
        assert f"base URL : {base}" in out
        key = re.search(r"rf_live_[\w-]+", out)
        assert key, out
        lines = out.splitlines()
        start = next(i for i, line in enumerate(lines) if "-X POST" in line)
        curl = " ".join(line.rstrip("\\").strip() for line in lines[start : start + 3])
        result = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        accepted = json.loads(result.stdout)
        assert accepted["status"] == "queued" and accepted["creditsCharged"] == 45
        headers = {"Authorization": f"Bearer {key.group(0)}"}
        wait_for(
            lambda: (
                httpx.get(f"{base}/v1/status", params={"request_id": accepted["request_id"]}, headers=headers).json()[
                    "status"
                ]
                == "COMPLETED"
            ),
            timeout=60,
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
