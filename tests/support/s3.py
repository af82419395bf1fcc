"""A real S3-compatible server for tests: moto's standalone server (``moto_server``) in a subprocess.

It speaks the S3 REST protocol over HTTP on a loopback port, so our boto3 adapter, the API's
``/files`` streaming and presigned URLs are all exercised over the wire (see docs/storage.md
for why moto and what it does not check).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx

from support.servers import TLS, free_port, listens_on, stop_group

ACCESS_KEY, SECRET_KEY, REGION = "reelforge-test", "reelforge-test-secret", "us-east-1"


def _moto_command(port: int) -> list[str]:
    script = Path(sys.executable).parent / "moto_server"
    exe = str(script) if script.exists() else shutil.which("moto_server")
    if exe is None:
        raise RuntimeError("moto_server not found: install the dev extras (pip install -e '.[dev]')")
    return [exe, "-H", "127.0.0.1", "-p", str(port)]


@dataclass
class S3Server:
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> S3Server:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                _moto_command(self.port), env=env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log_path.read_text()[-2000:]}")
            try:
                up = httpx.get(self.endpoint_url + "/moto-api/", timeout=1, verify=TLS).status_code == 200
                if up and listens_on(self.proc.pid, self.port):  # ours, not a parallel test's moto
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("moto_server did not start")

    def stop(self) -> None:
        stop_group(self.proc)

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def reelforge_env(self, bucket: str, prefix: str, mode: str = "served") -> dict[str, str]:
        """Settings that point a reelforge process at this server."""
        return {
            "REELFORGE_STORAGE_URL": f"s3://{bucket}/{prefix}",
            "REELFORGE_STORAGE_URL_MODE": mode,
            "REELFORGE_S3_ENDPOINT_URL": self.endpoint_url,
            "REELFORGE_S3_REGION": REGION,
            "REELFORGE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "REELFORGE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }
