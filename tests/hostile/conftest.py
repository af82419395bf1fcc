"""Servers for the hostile-input suite.

``hostile_server`` runs the API without workers: every job it accepts stays PENDING, so what the
tests find stored and charged is exactly what the API accepted, and nothing a test sends can
start real work. Its limits are small so they can be reached cheaply.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import FixtureHTTP, ReelforgeServer
from support.hostile import MAX_BODY_BYTES, MAX_FETCH_BYTES, MAX_IMAGE_PIXELS, MAX_PENDING_JOBS


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("hostile"),
        {
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{fixture_http.port}"]',
            "REELFORGE_RATE_LIMIT_PER_S": "0",  # rate limiting has its own server (test_hostile_limits)
            "REELFORGE_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
            "REELFORGE_MAX_FETCH_BYTES": str(MAX_FETCH_BYTES),
            "REELFORGE_MAX_IMAGE_PIXELS": str(MAX_IMAGE_PIXELS),
            "REELFORGE_MAX_PENDING_JOBS_PER_ACCOUNT": str(MAX_PENDING_JOBS),
            # No workers here: synchronous routes answer 202 with the request id instead of waiting.
            "REELFORGE_SYNC_WAIT_S": "0.1",
        },
        workers=False,
    )
    srv.start()
    yield srv
    srv.stop()
