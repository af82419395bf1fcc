"""Fixtures the SDK tests share: each SDK test runs once with the sync client and once with the async one."""

from __future__ import annotations

import pytest

from support import ReelforgeServer
from support.client import Api


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(server: ReelforgeServer, mode: str) -> Api:
    """The SDK in ``mode``, with a fresh key of 100,000 credits."""
    return Api(mode, server.new_key(credits=100_000), server.base_url)
