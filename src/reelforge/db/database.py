"""Engine and session factory for our tables, plus schema migration on start."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


# In WAL mode, synchronous=NORMAL syncs at checkpoints instead of every commit: a commit took
# 7 ms with FULL and 0.02 ms with NORMAL on the development disk, and a job commits a dozen times per
# stage hand-off. The database cannot be corrupted either way; a power loss (not a crash of the
# process) may roll back the last commits, as SQLite documents for WAL + NORMAL.
SQLITE_SYNCHRONOUS = "NORMAL"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the API read while a worker writes; busy_timeout turns lock contention into waiting.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def use_wal(url: str) -> None:
    """Put a SQLite database file that another library opens (DBOS's system database) in WAL mode
    with ``SQLITE_SYNCHRONOUS`` on every connection this process makes to it.

    DBOS creates that file in rollback-journal mode with synchronous=FULL: 25 ms a commit on the
    development disk, against 0.02 ms here, and a stage hand-off makes about ten. WAL is a property
    of the file (set once, kept); synchronous is per connection, so a listener on every SQLAlchemy
    engine sets it on connections to this file only."""
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///")).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    if path in _wal_files:
        return
    _wal_files.add(path)

    def tune(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            files = {Path(row[2]).resolve() for row in dbapi_conn.execute("PRAGMA database_list") if row[2]}
            if path in files:
                dbapi_conn.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")

    event.listen(Engine, "connect", tune)


_wal_files: set[Path] = set()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        command.upgrade(alembic_config(self.url), "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
