"""schemathesis over every operation of ``/openapi.json`` against a real server: no answer may be
a 5xx, and every answer must be documented (status code, content type, headers, body schema).

It runs schemathesis' own runner (``st run``, the command docs/reliability.md gives to reproduce
it) rather than its pytest plugin, whose lazy fixture loader does not work with pytest 9. Bounded
in time: its deterministic coverage phase plus a few fuzzed cases per operation, a fixed seed (CI
runs the same cases every time; run by hand with other seeds to explore), one worker (the
generator is not thread-safe). The server runs without workers, so accepted jobs stay PENDING and
nothing real is rendered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from support import ReelforgeServer

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Fuzzed cases per operation after the coverage phase: a few in the default suite (the coverage
# phase is the systematic part: every boundary and wrong type of every field, ~23 000 cases), many
# in the opt-in long run (`-m long`). 8 a run cost 17 s of CPU on 2 cores, 4 about half.
CI_EXAMPLES = 4
LONG_EXAMPLES = 50
SEED = 1
# ~90 s for 200 operations on CI's quiet 2 cores; over 240 s on this shared host under load. The limit
# only guards against a hang, so it sits above pytest-timeout's 300 s default (raised for this test).
TIME_LIMIT_S = 560
# Operations whose documented answer is a 5xx by design, left out of the fuzzing and covered elsewhere
# (none now: moderation, once a documented 501, runs a packaged classifier; tests/api/test_api_moderation.py).
EXCLUDED_PATHS: tuple[str, ...] = ()


def schemathesis_command(base_url: str, api_key: str, max_examples: int = CI_EXAMPLES) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {api_key}",  # authenticated: cases reach the routes, not just the 401
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "coverage,fuzzing",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        *(arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)),
    ]


@pytest.mark.timeout(TIME_LIMIT_S + 40)
@pytest.mark.parametrize(
    "max_examples", [pytest.param(CI_EXAMPLES, id="ci"), pytest.param(LONG_EXAMPLES, id="long", marks=pytest.mark.long)]
)
def test_every_operation_answers_without_5xx_and_as_documented(
    hostile_server: ReelforgeServer, tmp_path: Path, max_examples: int
) -> None:
    api_key = hostile_server.new_key(credits=10_000_000, name="schemathesis")
    run = subprocess.run(
        schemathesis_command(hostile_server.base_url, api_key, max_examples),
        cwd=tmp_path,  # keeps any report or cache it writes out of the repository
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
    )
    output = run.stdout + run.stderr
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    assert run.returncode == 0, output[-20_000:]
    # Every operation was exercised, and every generated case passed.
    paths = httpx.get(hostile_server.base_url + "/openapi.json").json()["paths"]
    operations = sum(len(methods) for path, methods in paths.items() if path not in EXCLUDED_PATHS)
    assert f"Tested: {operations}" in summary, summary
    assert "generated," in summary, summary
    assert "failure" not in summary.lower() and "error" not in summary.lower(), summary
