"""Model answers kept by content: in memory, and in one store shared by the processes of a data dir."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelforge.storage import answers
from reelforge.storage.answers import open_answers, remembered

ASKED: list[str] = []


@remembered("test-upper-v1", key=lambda text: text)
def upper(text: str) -> str:
    ASKED.append(text)
    return text.upper()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    ASKED.clear()
    upper.memory.clear()
    open_answers(tmp_path / "answers")
    yield tmp_path / "answers"
    open_answers(None)


def test_an_answer_is_computed_once_then_kept_in_memory_and_in_the_store(store: Path) -> None:
    assert upper("ab") == "AB" and upper("ab") == "AB" and ASKED == ["ab"]
    upper.memory.clear()  # a new process: nothing in memory, the store still has it
    assert upper("ab") == "AB" and ASKED == ["ab"]
    assert upper("cd") == "CD" and ASKED == ["ab", "cd"]


def test_another_process_of_the_same_data_dir_gets_the_stored_answer(store: Path) -> None:
    upper("shared")
    # Same namespace in another interpreter, with a function that must not be called: the store answers.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reelforge.storage.answers import open_answers, remembered\n"
        "open_answers(Path(sys.argv[1]))\n"
        "@remembered('test-upper-v1', key=lambda text: text)\n"
        "def upper(text):\n"
        "    raise SystemExit('computed again')\n"
        "print(upper('shared'))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(store)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "SHARED", run.stderr


def test_a_namespace_keeps_its_answers_apart(store: Path) -> None:
    @remembered("test-lower-v1", key=lambda text: text)
    def lower(text: str) -> str:
        return text.lower() + "!"

    assert upper("Mixed") == "MIXED" and lower("Mixed") == "mixed!"


def test_without_a_store_answers_are_kept_in_memory_only(tmp_path: Path) -> None:
    open_answers(None)
    ASKED.clear()
    upper.memory.clear()
    assert upper("solo") == "SOLO" and upper("solo") == "SOLO" and ASKED == ["solo"]
    upper.memory.clear()
    assert upper("solo") == "SOLO" and ASKED == ["solo", "solo"]
    assert answers._store is None


def test_a_store_that_fails_never_fails_the_work(store: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The store is only a shortcut: a store that cannot be read or written (a full disk, a
    corrupt file) leaves the answer computed and logged, not an error."""
    import sqlite3

    class Broken:
        def get(self, *args: object, **kwargs: object) -> object:
            raise sqlite3.OperationalError("database disk image is malformed")

        def set(self, *args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        def close(self) -> None:
            pass

    answers._store = Broken()
    assert upper("still") == "STILL" and ASKED == ["still"]
    assert "could not read" in caplog.text and "could not keep" in caplog.text
