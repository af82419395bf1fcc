"""Shared fixtures: one embedded reelforge server per test session, and a fixture HTTP server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from support import FixtureHTTP, ReelforgeServer


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


def png_bytes(width: int, height: int, seed: int = 0) -> bytes:
    """A photo-like test image: smooth gradients plus noise and a few shapes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=-1)
    noisy = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def sample_png() -> bytes:
    return png_bytes(320, 200)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")
