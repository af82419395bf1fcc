"""Shared fixtures: one embedded reelforge server per test session, and a fixture HTTP server."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import FixtureHTTP, ReelforgeServer
from support.media import png_bytes
from support.servers import ANSWERS_ENV
from support.zygote import SOCKET_ENV, ZygoteProcess

# Seconds each module takes on its own (`-n0`, 2 cores; modules under 4 s are left out). xdist's
# loadscope hands whole modules to the next free worker in collection order, so the order is the
# schedule: longest first (the classic longest-processing-time rule), the short ones filling the end.
# In collection order the heaviest render modules (tests/v2, tests/video) came last and ran alone for
# the last 50 s of the run. Waiting modules (kill drills, outages, slow fetches) are long here too:
# started early, their waits overlap other modules' work. Rough figures suffice; refresh them when a
# module's cost changes a lot (`--durations` or a `-n0` run of the module).
MODULE_SECONDS = {
    "tests/cluster/test_cluster_faults.py": 59,
    "tests/hostile/test_hostile_schemathesis.py": 50,
    "tests/v2/test_v2_narrative.py": 36,
    "tests/pipeline/test_submit_crash.py": 34,
    "tests/video/test_video_generation.py": 26,
    "tests/v2/test_v2_samsar_js.py": 24,
    "tests/video/test_video_ops.py": 24,
    "tests/compat/test_compat_samsar_js.py": 24,
    "tests/studio/test_studio_browser.py": 23,
    "tests/cluster/test_cluster_webhook_outage.py": 23,
    "tests/progress/test_progress_events.py": 22,
    "tests/pipeline/test_dbos_private.py": 20,
    "tests/compat/test_compat_docs.py": 20,
    "tests/api/test_api_assistant.py": 19,
    "tests/hostile/test_hostile_fetch_guard.py": 18,
    "tests/cluster/test_cluster_render_chunks.py": 17,
    "tests/imaging/test_imaging_rollup_memory.py": 11,
    "tests/cluster/test_cluster_roles.py": 13,
    "tests/client/test_client_cli.py": 13,
    "tests/api/test_api_assistant_tools.py": 13,
    "tests/v2/test_v2_steps.py": 12,
    "tests/pipeline/test_pipeline_jobs.py": 12,
    "tests/platform/test_readme_story.py": 11,
    "tests/client/test_client_retries.py": 11,
    "tests/storage/test_storage_s3.py": 11,
    "tests/gateway/test_gateway_audio.py": 10,
    "tests/video/test_video_render_hold.py": 10,
    "tests/progress/test_quotes.py": 10,
    "tests/storage/test_storage_fetch_pinning.py": 10,
    "tests/api/test_api_embeddings.py": 9,
    "tests/client/test_client_install.py": 9,
    "tests/render/test_render_timeline.py": 9,
    "tests/video/test_video_cancel.py": 9,
    "tests/video/test_video_reroll_retranslate.py": 9,
    "tests/gateway/test_gateway_samsar_js.py": 8,
    "tests/cluster/test_cluster_postgres.py": 8,
    "tests/video/test_video_providers.py": 8,
    "tests/pipeline/test_inline_heartbeat.py": 8,
    "tests/api/test_api_image_sets_titles.py": 8,
    "tests/search/test_labelled_quality.py": 8,
    "tests/v2/test_v2_routes.py": 8,
    "tests/client/test_client_sdk.py": 7,
    "tests/platform/test_publications.py": 7,
    "tests/search/test_ann.py": 6,
    "tests/platform/test_external_users.py": 6,
    "tests/gateway/test_gateway_video.py": 6,
    "tests/search/test_records.py": 6,
    "tests/imaging/test_imaging_image_set.py": 6,
    "tests/client/test_client_images.py": 5,
    "tests/video/test_video_options.py": 5,
    "tests/client/test_client_sessions.py": 5,
    "tests/api/test_api_image_branding.py": 5,
    "tests/api/test_api_image_receipts.py": 5,
    "tests/imaging/test_imaging_branding.py": 5,
    "tests/hostile/test_hostile_limits.py": 5,
}


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two test processes more than cores. Many tests spend seconds waiting on real
    servers (a kill -9 drill, a heartbeat timeout, a render in another process): with one process per
    core the two cores sat idle together for a quarter of the run (1.5 of 2 cores busy on average).
    One more made it 1.8 (662 s -> 589 s); once the suite needed less CPU its waits showed again
    (87 % of both cores busy, 425 s) and a second one more filled them (409 s)."""
    return (os.cpu_count() or 1) + 2


_ZYGOTE = pytest.StashKey[ZygoteProcess]()


def pytest_configure(config: pytest.Config) -> None:
    """The xdist controller (or a ``-n0`` run) starts the one server zygote that every test process
    forks its servers from (support/zygote.py); the workers it starts inherit the socket's path."""
    if hasattr(config, "workerinput") or config.option.collectonly or SOCKET_ENV in os.environ:
        return
    zygote = ZygoteProcess()
    os.environ[SOCKET_ENV] = zygote.path
    config.stash[_ZYGOTE] = zygote
    # ...and the store of model answers every test server shares (support/servers.py): one OCR read
    # of each fixture photo per run instead of one per server process.
    os.environ[ANSWERS_ENV] = tempfile.mkdtemp(prefix="rf-answers-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if (zygote := config.stash.get(_ZYGOTE, None)) is not None:
        zygote.stop()
        del os.environ[SOCKET_ENV]
        shutil.rmtree(os.environ.pop(ANSWERS_ENV), ignore_errors=True)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (the package, the test modules: ~700 000 objects) lives for the whole
    session: out of the collector's view, a full collection scans only what tests made since (as the
    server does after its start-up, api/app.py). Measured: 2.1 s of GC per 100 s of tests before."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest modules first (MODULE_SECONDS), the rest after them in collection order (a stable sort)."""
    items.sort(key=lambda item: -MODULE_SECONDS.get(item.nodeid.split("::", 1)[0], 0))


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
