"""Fixtures for the cluster tests: a real PostgreSQL server started (and thrown away) by the tests.

The server binaries come from Debian's ``postgresql`` package (scripts/apt-packages.txt); the
tests skip with a clear message only when they are not installed at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.cluster_support import Cluster, running
from cluster.pg_cluster import PostgresCluster, find_pg_bin


@pytest.fixture(scope="package")
def pg_cluster() -> Iterator[PostgresCluster]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    cluster = PostgresCluster(bin_dir).init().start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> str:
    """A fresh, empty database on the shared test server: our tables and DBOS's go in it."""
    return pg_cluster.create_database()


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[Cluster]:
    """An API process on a fresh PostgreSQL database (started); tests add the workers they need.
    On failure every process's log is printed."""
    with running(Cluster(tmp_path / "cluster", pg_url)) as c:
        c.start_api()
        yield c
