"""The review database of one job: report texts and the reviewers' decisions.

Key term: a *review* is one reviewer's decision on one value of one report: ``accept``
(the model's value is right) or ``correct`` (here is the right value). Reviews are
appended, never updated, and never touch the job store: the model's record stays as
it was produced, and the latest review of each (report, value) wins.

A *preference* is one reviewer's edit of a drafted text (an impression): ``chosen`` is the
reviewer's text, ``rejected`` the model's draft; an edit equal to the draft is an accept
(``chosen == rejected``). Preferences are appended too; the latest per (report, reviewer)
counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radlite.core.sqlite import connect_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reviews (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL,
    feature TEXT NOT NULL,
    value TEXT NOT NULL,
    model_value TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'correct')),
    reviewer TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_report ON reviews(report_id);
CREATE TABLE IF NOT EXISTS preferences (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL,
    chosen TEXT NOT NULL,
    rejected TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS preferences_report ON preferences(report_id);
"""


@dataclass(frozen=True)
class Review:
    """The latest decision on one value."""

    feature: str
    value: Any
    model_value: Any
    action: str
    reviewer: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"value": self.value, "model_value": self.model_value, "action": self.action,
                "reviewer": self.reviewer, "at": self.at}


class ReviewStore:
    """SQLite file beside a job store holding report texts and reviews."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect_wal(self.path, SCHEMA)

    def add_reports(self, reports: Iterable[tuple[str, str]]) -> int:
        """Store ``(id, text)`` pairs in input order; returns how many."""
        rows = [(rid, seq, text) for seq, (rid, text) in enumerate(reports)]
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR REPLACE INTO reports VALUES (?, ?, ?)", rows)
        return len(rows)

    def report_ids(self) -> list[str]:
        """Report ids in input order."""
        return [r[0] for r in self.conn.execute("SELECT id FROM reports ORDER BY seq")]

    def texts(self) -> Iterator[tuple[str, str]]:
        """``(id, text)`` in input order."""
        yield from self.conn.execute("SELECT id, text FROM reports ORDER BY seq")

    def text(self, report_id: str) -> str | None:
        """The text of one report, or None when the id is unknown."""
        row = self.conn.execute("SELECT text FROM reports WHERE id=?", (report_id,)).fetchone()
        return None if row is None else row[0]

    def add_reviews(self, report_id: str, reviewer: str,
                    decisions: dict[str, tuple[Any, Any]]) -> float:
        """Append ``feature -> (value, model_value)`` decisions; returns the timestamp."""
        now = time.time()
        rows = [(report_id, feature, json.dumps(value), json.dumps(model_value),
                 "accept" if value == model_value else "correct", reviewer, now)
                for feature, (value, model_value) in decisions.items()]
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT INTO reviews(report_id, feature, value, model_value, action, reviewer, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return now

    def latest(self, report_id: str | None = None) -> dict[str, dict[str, Review]]:
        """The latest review per value: ``{report_id: {feature: Review}}``."""
        query = ("SELECT report_id, feature, value, model_value, action, reviewer, at "
                 "FROM reviews")
        args: tuple[str, ...] = ()
        if report_id is not None:
            query, args = query + " WHERE report_id=?", (report_id,)
        out: dict[str, dict[str, Review]] = {}
        for rid, feature, value, model, action, reviewer, at in self.conn.execute(
                query + " ORDER BY n", args):
            out.setdefault(rid, {})[feature] = Review(
                feature, json.loads(value), json.loads(model), action, reviewer, at)
        return out

    def history(self, report_id: str) -> list[dict[str, Any]]:
        """Every review of a report, oldest first (the audit trail)."""
        rows = self.conn.execute(
            "SELECT feature, value, model_value, action, reviewer, at FROM reviews "
            "WHERE report_id=? ORDER BY n", (report_id,))
        return [{"feature": f, "value": json.loads(v), "model_value": json.loads(m),
                 "action": a, "reviewer": r, "at": t} for f, v, m, a, r, t in rows]

    def add_preference(self, report_id: str, reviewer: str, chosen: str, rejected: str
                       ) -> float:
        """Append a preference pair (``chosen`` over ``rejected``); returns the timestamp."""
        now = time.time()
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.execute(
                "INSERT INTO preferences(report_id, chosen, rejected, reviewer, at)"
                " VALUES (?, ?, ?, ?, ?)", (report_id, chosen, rejected, reviewer, now))
        return now

    def preferences(self, report_id: str | None = None) -> list[dict[str, Any]]:
        """The latest preference per (report, reviewer), in report input order, then
        oldest first; ``accepted`` is True where the reviewer kept the draft."""
        query = ("SELECT p.report_id, p.chosen, p.rejected, p.reviewer, p.at FROM preferences p"
                 " JOIN (SELECT MAX(n) AS n FROM preferences GROUP BY report_id, reviewer) m"
                 " ON p.n = m.n LEFT JOIN reports r ON r.id = p.report_id")
        args: tuple[str, ...] = ()
        if report_id is not None:
            query, args = query + " WHERE p.report_id=?", (report_id,)
        rows = self.conn.execute(query + " ORDER BY r.seq, p.n", args)
        return [{"report_id": rid, "chosen": chosen, "rejected": rejected, "reviewer": who,
                 "at": at, "accepted": chosen == rejected}
                for rid, chosen, rejected, who, at in rows]

    def close(self) -> None:
        """Close the database."""
        self.conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
