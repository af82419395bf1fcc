"""The client install on its own: a fresh virtualenv gets ``pip install <repo>`` (no extras), holds
none of the server's heavy dependencies, and runs the README's Python SDK example verbatim against a
running server; the CLI's client commands work there and its server commands name the extra to add.

Lean on purpose: the virtualenv is made without pip (the test's own pip installs into it with
``--python``), and pip's wheel cache makes the dependency install a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from support import ReelforgeServer
from support.client import cli_env, write_photo

REPO = Path(__file__).resolve().parents[2]
SERVER_ONLY = {
    "opencv-python",
    "opencv-python-headless",
    "onnxruntime",
    "rapidocr-onnxruntime",
    "dbos",
    "imageio-ffmpeg",
    "numpy",
    "pillow",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "boto3",
    "espeakng-loader",
}
# Modules a client import must not load (in the client venv, a server module is just reelforge code
# that would fail on its first third-party import).
NO_SERVER_MODULES = [
    *("numpy", "PIL", "cv2", "sqlalchemy", "fastapi", "dbos", "pydantic_settings"),
    *("reelforge.core", "reelforge.settings", "reelforge.db", "reelforge.api", "reelforge.runtime"),
]


def readme_sdk_example() -> str:
    """The first ```python block under the README's "Python SDK and CLI" heading."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Python SDK and CLI") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README lost its Python SDK example"
    return match.group(1)


@pytest.fixture(scope="module")
def client_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with reelforge installed from a copy of this checkout, without extras."""
    root = tmp_path_factory.mktemp("client-install")
    source = root / "src-copy"  # a copy: building writes build/ and egg-info next to the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "*.pyc")
    )
    target = root / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check",
         str(source)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return target


def run_in(target: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(args, env=clean, cwd=cwd, capture_output=True, text=True, timeout=240)


def test_client_install_has_no_server_dependencies(client_venv: Path, tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(client_venv / "bin" / "python"), "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    installed = {p["name"].lower().replace("_", "-") for p in json.loads(listed.stdout)}
    assert "reelforge" in installed and {"httpx", "pydantic"} <= installed, installed
    assert not installed & SERVER_ONLY, f"server dependencies in the client install: {installed & SERVER_ONLY}"

    probe = (
        "import sys, reelforge, reelforge.client, reelforge.cli\n"
        f"loaded = [m for m in {NO_SERVER_MODULES!r} if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "assert reelforge.client.__file__.startswith(sys.prefix), reelforge.client.__file__\n"
    )
    checked = run_in(client_venv, [str(client_venv / "bin" / "python"), "-c", probe], cli_env(), tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_readme_sdk_example_runs_on_the_client_install(
    client_venv: Path, server: ReelforgeServer, tmp_path: Path
) -> None:
    write_photo(tmp_path / "a.jpg", "#2a9d8f")
    write_photo(tmp_path / "b.jpg", "#e76f51")
    (tmp_path / "example.py").write_text(readme_sdk_example())
    env = cli_env(server, server.new_key(credits=100_000))

    ran = run_in(client_venv, [str(client_venv / "bin" / "python"), "example.py"], env, tmp_path)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-3000:]
    assert re.search(r"charged \d+ credits for vid_", ran.stdout), ran.stdout
    assert "COMPLETED" in ran.stdout and "saved" in ran.stdout, ran.stdout
    video = (tmp_path / "launch.mp4").read_bytes()
    assert video[4:8] == b"ftyp" and len(video) > 10_000, len(video)

    reelforge = str(client_venv / "bin" / "reelforge")
    request_id = re.search(r"for (vid_\S+)", ran.stdout)
    assert request_id
    status = run_in(client_venv, [reelforge, "status", request_id.group(1), "--json"], env, tmp_path)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "COMPLETED"


def test_server_commands_name_the_extra_on_the_client_install(client_venv: Path, tmp_path: Path) -> None:
    reelforge = str(client_venv / "bin" / "reelforge")
    helped = run_in(client_venv, [reelforge, "--help"], cli_env(), tmp_path)
    assert helped.returncode == 0 and "serve" in helped.stdout and "video" in helped.stdout, helped.stderr

    env = {**cli_env(), "COLUMNS": "400"}  # the hint on one line
    for args in (["serve"], ["accounts", "create", "acme"], ["image", "enhance", "https://x.test/a.png", "--local"]):
        refused = run_in(client_venv, [reelforge, *args], env, tmp_path)
        assert refused.returncode == 1, (args, refused.stdout, refused.stderr)
        assert "pip install 'reelforge[server]'" in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert not (tmp_path / "data").exists() or not os.listdir(tmp_path / "data")
