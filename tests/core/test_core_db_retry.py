"""retry_transient rides out a locked SQLite database and raises real errors at once."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from reelforge.db.retry import retry_transient


def _engine(path: Path) -> Engine:
    # timeout=0: a locked database errors at once instead of SQLite's own busy wait.
    return create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})


def test_a_locked_database_is_retried_until_the_lock_is_released(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    engine = _engine(db)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.4, holder.rollback).start()
    attempts = 0

    def insert() -> int:
        nonlocal attempts
        attempts += 1
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())

    assert retry_transient(insert, window_s=10) == 1
    assert attempts > 1
    holder.close()


def _statement(engine: Engine, sql: str, calls: list[str]) -> Callable[[], None]:
    def run() -> None:
        calls.append(sql)
        with engine.begin() as conn:
            conn.execute(text(sql))

    return run


def test_a_lock_outlasting_the_window_and_a_wrong_statement_raise(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    engine = _engine(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    locked: list[str] = []
    with pytest.raises(OperationalError, match="locked"):
        retry_transient(_statement(engine, "CREATE TABLE t (x INTEGER)", locked), window_s=0.5)
    assert 2 <= len(locked) <= 6  # 0.1 + 0.2 s of waits fit in the window, the next 0.4 s does not
    holder.rollback()
    holder.close()

    wrong: list[str] = []
    with pytest.raises(OperationalError, match="no such table"):
        retry_transient(_statement(engine, "SELECT * FROM nowhere", wrong), window_s=10)
    assert len(wrong) == 1
