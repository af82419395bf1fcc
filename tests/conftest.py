"""Shared fixtures: one embedded reelforge server per test session, and a fixture HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import FixtureHTTP, ReelforgeServer
from support.media import png_bytes


@pytest.fixture(scope="session")
def fixture_http() -> Iterator[FixtureHTTP]:
    with FixtureHTTP() as srv:
        yield srv


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, fixture_http: FixtureHTTP) -> Iterator[ReelforgeServer]:
    """The embedded default (SQLite + local files + in-process workers), shared by tests that
    need no special settings. Only the fixture server's exact host:port is allowlisted."""
    srv = ReelforgeServer(
        tmp_path_factory.mktemp("reelforge"), {"REELFORGE_FETCH_ALLOWLIST": f'["127.0.0.1:{fixture_http.port}"]'}
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def sample_png() -> bytes:
    return png_bytes(320, 200)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")
