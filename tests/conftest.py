"""Shared fixtures: one embedded reelforge server per test session, and a fixture HTTP server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import FixtureHTTP, ReelforgeServer
from support.media import png_bytes

# The modules that take longest (seconds on 2 cores from `--durations`, render- or server-bound),
# longest first. xdist's loadscope hands whole modules to workers in collection order; its default
# reorder (by number of tests, which pyproject turns off) put these few-test, long modules last, so
# one worker ran the last of them alone while the other sat idle. Started first, they overlap.
SCHEDULE_FIRST = (
    "tests/video/test_video_ops.py",
    "tests/cluster/test_cluster_faults.py",
    "tests/v2/test_v2_samsar_js.py",
    "tests/hostile/test_hostile_schemathesis.py",
    "tests/v2/test_v2_routes.py",
    "tests/client/test_client_cli.py",
    "tests/client/test_client_install.py",
    "tests/compat/test_compat_docs.py",
    "tests/v2/test_v2_steps.py",
    "tests/pipeline/test_submit_crash.py",
    "tests/imaging/test_imaging_rollup_memory.py",
    "tests/studio/test_studio_browser.py",
    "tests/compat/test_compat_samsar_js.py",
    # Mostly waiting (kill drills, heartbeats, outages, slow fetches: under a third of their time on
    # the CPU): started early, their waits overlap other modules' work instead of ending the run.
    "tests/progress/test_progress_events.py",
    "tests/cluster/test_cluster_webhook_outage.py",
    "tests/pipeline/test_dbos_private.py",
    "tests/hostile/test_hostile_fetch_guard.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two test processes more than cores. Many tests spend seconds waiting on real
    servers (a kill -9 drill, a heartbeat timeout, a render in another process): with one process per
    core the two cores sat idle together for a quarter of the run (1.5 of 2 cores busy on average).
    One more made it 1.8 (662 s -> 589 s); once the suite needed less CPU its waits showed again
    (87 % of both cores busy, 425 s) and a second one more filled them (409 s)."""
    return (os.cpu_count() or 1) + 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long modules first (SCHEDULE_FIRST), every other module after them in collection order."""
    rank = {module: i for i, module in enumerate(SCHEDULE_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


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
