"""Shared test helpers (``pythonpath = ["tests"]`` makes this the top-level ``support`` package).

The names every server test needs are importable from here; the rest live in their modules:
``media`` (test pictures; frames, QR codes and OCR of results), ``render`` (renderer checks),
``client`` (SDK call helper, a response-dropping proxy), ``hostile`` (what a rejected request
must leave behind), ``fake_openai`` (an OpenAI-compatible server), ``s3`` (a moto S3 server),
``session_docs`` (stage outputs for the session document builder), ``samsar_js`` (running a samsar-js
check script built on ``sdk_run.mjs``).
"""

from support.fixture_http import FixtureHTTP
from support.servers import (
    WEBHOOK_SECRET,
    ReelforgeServer,
    ReelforgeWorker,
    credits_left,
    free_port,
    submit,
    wait_for,
    wait_status,
)

__all__ = [
    "WEBHOOK_SECRET",
    "FixtureHTTP",
    "ReelforgeServer",
    "ReelforgeWorker",
    "credits_left",
    "free_port",
    "submit",
    "wait_for",
    "wait_status",
]
