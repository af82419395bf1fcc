"""The client CLI: a video from two local images with a live stage display in a pseudo-terminal,
``--json`` output, error exits, and ``--local`` (an embedded server for one command)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import cv2
import imageio_ffmpeg
from PIL import Image

from imaging.receipt_fixtures import english_sample, english_second, render_receipt
from support import ReelforgeServer
from support.client import cli_env, write_photo
from support.media import assert_decodes_cleanly, png_bytes

CLI = [sys.executable, "-m", "reelforge.cli"]


def run_in_pty(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdin/stdout/stderr; returns (exit code, output)."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        args,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"},
        cwd=cwd,
        close_fds=True,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    data = os.read(primary, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(primary)
    return rc, b"".join(chunks).decode(errors="replace")


def test_video_from_two_local_images_with_live_progress(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=10_000)
    a, b = write_photo(tmp_path / "a.jpg", "#2a9d8f"), write_photo(tmp_path / "b.jpg", "#e76f51")
    out = tmp_path / "out.mp4"
    rc, screen = run_in_pty(
        [
            *CLI,
            "video",
            "from-images",
            str(a),
            str(b),
            "--prompt",
            "Linen shirt launch",
            "--language",
            "en",
            "--aspect",
            "9:16",
            "-o",
            str(out),
        ],
        cli_env(server, key),
        tmp_path,
        timeout=300,
    )
    assert rc == 0, screen
    assert "\x1b[" in screen, "no terminal control sequences: the live display did not run"
    for stage in ("speech generation", "video generation"):
        assert stage in screen, screen
    assert "✓" in screen and "saved" in screen and "out.mp4" in screen

    capture = cv2.VideoCapture(str(out))
    try:
        assert capture.get(cv2.CAP_PROP_FRAME_COUNT) > 24
        assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (1024, 1792)
        ok, frame = capture.read()
        assert ok and frame.std() > 5  # a picture, not a blank frame
    finally:
        capture.release()
    assert_decodes_cleanly(out)
    streams = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out)], capture_output=True, text=True)
    assert "Video: h264" in streams.stderr and "Audio: aac" in streams.stderr


def test_json_output_and_error_exit(server: ReelforgeServer, tmp_path: Path) -> None:
    key = server.new_key(credits=1000)
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(64, 48))
    env = cli_env(server, key)
    done = subprocess.run(
        [*CLI, "image", "enhance", str(photo), "--resolution", "1k", "-o", str(tmp_path / "big.png"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["status"] == "COMPLETED" and body["credits_charged"] == 45
    assert Image.open(body["output"]).size[0] > 64

    status = subprocess.run(
        [*CLI, "status", body["request_id"], "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0 and json.loads(status.stdout)["result_url"] == body["result_url"]

    missing = subprocess.run(
        [*CLI, "status", "req_does_not_exist", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1
    assert json.loads(missing.stdout) == {
        "error": "not_found",
        "message": "No request with id 'req_does_not_exist'.",
        "field": "request_id",
        "status": 404,
    }
    assert "No request with id" in missing.stderr

    refused = subprocess.run(
        [*CLI, "image", "enhance", "not-a-file.png", "--api-key", "rf_live_nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "neither a URL nor a file" in refused.stderr + refused.stdout
    unauthorised = subprocess.run(
        [*CLI, "image", "enhance", str(photo), "--api-key", "rf_live_nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unauthorised.returncode == 1 and "Error 401" in unauthorised.stderr


def test_local_runs_an_embedded_server_for_one_command(tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(64, 48))
    done = subprocess.run(
        [*CLI, "image", "enhance", str(photo), "--local", "--json", "-o", str(tmp_path / "big.png")],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["status"] == "COMPLETED" and Path(body["output"]).stat().st_size > 0
    assert not (tmp_path / "data").exists(), "--local must not write a data directory in the working directory"


def test_image_receipt_and_banner_commands(server: ReelforgeServer, tmp_path: Path) -> None:
    env = cli_env(server, server.new_key(credits=10_000))
    photo = write_photo(tmp_path / "shirt.jpg", "#264653")
    render_receipt(english_sample()).save(tmp_path / "r1.png")
    render_receipt(english_second()).save(tmp_path / "r2.png")

    def run(*args: str) -> dict[str, object]:
        done = subprocess.run([*CLI, *args, "--json"], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        body: dict[str, object] = json.loads(done.stdout)
        return body

    assert run("image", "title", str(photo), "-m", "product=linen travel shirt")["content"] == "Linen Travel Shirt"
    cleaned = run("image", "remove-branding", str(photo), "-o", str(tmp_path / "clean.png"))
    assert Image.open(str(cleaned["output"])).size == (640, 480)
    template = run("receipts", "create", str(tmp_path / "r1.png"), "--name", "harbour")
    receipt = run("receipts", "query", str(tmp_path / "r2.png"), "--template", str(template["template_id"]))
    assert receipt["receipt_json"]
    banner = run(
        "banner", str(photo), "--columns", "2", "--max-tiles", "4", "--tile-width", "128", "-o", str(tmp_path / "b.png")
    )
    with Image.open(str(banner["output"])) as img:
        assert img.height > img.width
