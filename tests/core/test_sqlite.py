"""Opening SQLite stores: a race on a new file never fails the opening."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from radlite.core.sqlite import connect_wal

SCHEMA = "CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY);"


def _race(path: Path, opener, n: int = 4) -> list[str]:
    barrier, errors = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        try:
            opener(path).close()
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_openings_of_a_new_file_all_succeed(tmp_path: Path) -> None:
    errors = [e for i in range(60)
              for e in _race(tmp_path / f"{i}.sqlite", lambda p: connect_wal(p, SCHEMA))]
    assert errors == []
    conn = connect_wal(tmp_path / "0.sqlite", SCHEMA)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_stays_locked_fails_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite"
    connect_wal(path, SCHEMA).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            connect_wal(path, SCHEMA, wait_s=0.3)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
