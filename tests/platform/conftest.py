"""A server of its own for the platform tests: they make deliberate 401s (revoked and expired credentials),
which would trip the shared server's failed-authentication limiter for every other test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import FixtureHTTP, ReelforgeServer
from support.platform_flows import ADMIN_TOKEN


@pytest.fixture(scope="session")
def platform_server(tmp_path_factory: pytest.TempPathFactory, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("reelforge-platform"),
        {
            "REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{fixture_http.port}"]',
            "REELFORGE_AUTH_FAILURES_PER_S": "0",
            "REELFORGE_ADMIN_TOKEN": ADMIN_TOKEN,
        },
    )
    srv.start()
    yield srv
    srv.stop()
