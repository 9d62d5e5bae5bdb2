"""The job store: one SQLite file per job that records every finished report.

Each batch's records are committed in one transaction as soon as the batch finishes, so
a process killed at any moment loses at most the reports in flight. The store carries a
*fingerprint* of the job (task, template, model, adapter, input) so that a rerun of the
same command resumes, and a different job never mixes its results into this one.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from radlite.core.errors import InputError
from radlite.core.sqlite import connect_wal
from radlite.core.types import Record
from radlite.pipeline.registry import register_job

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    finished REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS records_status ON records(status);
CREATE INDEX IF NOT EXISTS records_seq ON records(seq);
"""


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def record_json(record: Record) -> str:
    """``json.dumps(record.to_dict())``, without ``asdict``'s deep copy (10x faster)."""
    evidence = {
        key: [{"start": e.start, "end": e.end, "text": e.text, "match": e.match} for e in spans]
        for key, spans in record.evidence.items()
    }
    data = {"id": record.id, "task": record.task, "status": record.status,
            "values": record.values, "evidence": evidence, "error": record.error,
            "provenance": record.provenance, "extra": record.extra}
    return json.dumps(data, ensure_ascii=False, default=_plain)


class JobStore:
    """SQLite-backed record store of one job.

    Args:
        path: the ``.sqlite`` file (created with its folder when missing).
        fingerprint: what identifies the job; a mismatch with an existing store raises.
    """

    def __init__(self, path: str | Path, fingerprint: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect_wal(self.path, SCHEMA, normal_sync=True)
        if fingerprint is not None:
            self._check_fingerprint(fingerprint)
            register_job(self.path)

    def _check_fingerprint(self, fingerprint: dict[str, Any]) -> None:
        wanted = json.dumps(fingerprint, sort_keys=True)
        row = self.conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        if row is None:
            self.set_meta("fingerprint", wanted)
            self.set_meta("created", str(time.time()))
        elif row[0] != wanted:
            old = json.loads(row[0])
            diff = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
            raise InputError(
                f"job store {self.path} belongs to a different job (differs in {diff}); "
                "use another --job-store, or --restart to discard it"
            )

    def set_meta(self, key: str, value: str) -> None:
        """Store a job-level value (e.g. the input path, the total count)."""
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def meta(self) -> dict[str, str]:
        """All job-level values."""
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def done_ids(self, include_failed: bool = True) -> set[str]:
        """Ids already finished (optionally excluding failed ones, to retry them)."""
        query = "SELECT id FROM records" + ("" if include_failed else " WHERE status='ok'")
        return {row[0] for row in self.conn.execute(query)}

    def put(self, records: Iterable[tuple[int, Record]]) -> None:
        """Commit ``(input position, record)`` pairs in one transaction."""
        now = time.time()
        rows = [(rec.id, seq, rec.status, record_json(rec), now) for seq, rec in records]
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT OR REPLACE INTO records(id, seq, status, record, finished) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def records(self, status: str | None = None) -> Iterator[Record]:
        """Records in input order, optionally only those with ``status``."""
        query = "SELECT record FROM records"
        args: tuple[str, ...] = ()
        if status:
            query, args = query + " WHERE status=?", (status,)
        for (blob,) in self.conn.execute(query + " ORDER BY seq", args):
            yield Record.from_dict(json.loads(blob))

    def counts(self) -> dict[str, int]:
        """Number of records per status."""
        rows = self.conn.execute("SELECT status, COUNT(*) FROM records GROUP BY status")
        return dict(rows.fetchall())

    def failures(self, limit: int | None = None) -> list[tuple[str, str]]:
        """``(id, error)`` of failed reports in input order (at most ``limit``)."""
        query = "SELECT record FROM records WHERE status != 'ok' ORDER BY seq"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        out = []
        for (blob,) in self.conn.execute(query):
            data = json.loads(blob)
            out.append((str(data["id"]), str(data.get("error") or "")))
        return out

    def timing(self) -> tuple[float, float] | None:
        """``(first, last)`` commit times (epoch seconds) of finished reports, or None."""
        row = self.conn.execute("SELECT MIN(finished), MAX(finished) FROM records").fetchone()
        return None if row is None or row[0] is None else (float(row[0]), float(row[1]))

    def set_spec(self, spec: dict[str, Any]) -> None:
        """Record how the job was started, so ``radlite jobs retry`` can run it again."""
        self.set_meta("spec", json.dumps(spec, sort_keys=True, default=str))

    def spec(self) -> dict[str, Any] | None:
        """The job's recorded start specification, or None."""
        raw = self.meta().get("spec")
        return json.loads(raw) if raw else None

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
