"""Opening radlite's SQLite files (job stores, review stores, comparisons) safely from
several threads and processes at once.

Each file is opened in WAL mode (readers never block the writer) with a 30 s busy
timeout. Two connections that open a *new* file at the same moment both try to switch
it to WAL, which needs an exclusive lock, and SQLite answers the loser "database is
locked" at once, without waiting (e.g. the server polling a job's progress just as the
job creates its store). :func:`connect_wal` retries that opening step until the wait is
over, so such a race never fails a job.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

WAIT_S = 30.0
_RETRY_S = 0.05


def connect_wal(path: str | Path, schema: str, normal_sync: bool = False,
                wait_s: float = WAIT_S) -> sqlite3.Connection:
    """An autocommit connection to ``path`` in WAL mode with ``schema`` applied.

    Args:
        path: the SQLite file (created when missing; its folder must exist).
        schema: SQL script run on opening (``CREATE TABLE IF NOT EXISTS ...``).
        normal_sync: ``PRAGMA synchronous=NORMAL`` (durable at each checkpoint; safe
            against a process crash, the job store's choice).
        wait_s: how long a locked file is waited for, in seconds.

    Raises:
        sqlite3.OperationalError: the file stayed locked for ``wait_s``, or another
            error.
    """
    deadline = time.monotonic() + wait_s
    while True:
        conn = sqlite3.connect(path, timeout=wait_s, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            if normal_sync:
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(schema)
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_S)
