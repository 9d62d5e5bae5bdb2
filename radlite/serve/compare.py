"""Blinded pairwise comparison of generated texts (e.g. impressions) by readers.

Key terms: a *comparison set* is a list of items, each with the same context (e.g.
the findings) and one text from each of two *systems* (e.g. ``generated`` and
``reference``). Each item shows the two texts as **A** and **B** in an order drawn
at random per item (reproducible from the set's seed); the reader never sees the
system names. A *rating* is one rater's ``choice`` for an item: ``A``, ``B`` or
``equal``. The export (see docs/serve.md) maps choices back to systems and gives a
``rating`` of the first system against the second (``better``/``equal``/``worse``),
the long format that ``radlite.evaluate.reader_study`` summarises. The export is
spreadsheet-safe unless ``raw`` (:mod:`radlite.core.csvsafe`): item ids, rater names and
system names that start with ``=``, ``+``, ``-`` or ``@`` get a leading ``'``.
"""

from __future__ import annotations

import io
import json
import random
import re
import secrets
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from radlite.core import csvsafe
from radlite.core.sqlite import connect_wal
from radlite.serve.errors import ApiError

CHOICES = ("A", "B", "equal")
EXPORT_HEADER = ["id", "rater", "rating", "choice", "system_a", "system_b", "winner",
                 "rated_at"]
SET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, context TEXT NOT NULL,
    text_a TEXT NOT NULL, text_b TEXT NOT NULL, system_a TEXT NOT NULL, system_b TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
    n INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, rater TEXT NOT NULL,
    choice TEXT NOT NULL, at REAL NOT NULL
);
"""


def _connect(path: Path) -> sqlite3.Connection:
    return connect_wal(path, SCHEMA)


def _rating(choice: str, first: str, system_a: str) -> str:
    """The first system's rating against the second, from an A/B/equal choice."""
    if choice == "equal":
        return "equal"
    return "better" if (system_a == first) == (choice == "A") else "worse"


class CompareSets:
    """Comparison sets stored as ``<data_dir>/compare/<set_id>.sqlite``."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "compare"
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, set_id: str) -> Path:
        path = self.root / f"{set_id}.sqlite"
        if not SET_ID.match(set_id) or not path.is_file():
            raise ApiError(404, "not_found", f"no comparison set {set_id!r}")
        return path

    def create(self, name: str, systems: list[str], items: list[dict[str, Any]],
               seed: int | None = None) -> dict[str, Any]:
        """Store a new set; each item is ``{"id", "context", "texts": {system: text}}``."""
        if len(systems) != 2 or systems[0] == systems[1]:
            raise ApiError(422, "invalid_request", "give exactly two different system names")
        seed = secrets.randbits(32) if seed is None else seed
        rows = []
        for seq, item in enumerate(items):
            texts = item["texts"]
            missing = [s for s in systems if s not in texts]
            if missing:
                raise ApiError(422, "invalid_request",
                               f"item {item['id']!r} has no text for {missing}")
            swap = random.Random(f"{seed}:{item['id']}").random() < 0.5
            a, b = (systems[1], systems[0]) if swap else (systems[0], systems[1])
            rows.append((item["id"], seq, item.get("context") or "", texts[a], texts[b], a, b))
        if len({r[0] for r in rows}) != len(rows):
            raise ApiError(422, "invalid_request", "item ids must be unique")
        set_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        conn = _connect(self.root / f"{set_id}.sqlite")
        with conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            meta = {"name": name, "systems": json.dumps(systems), "seed": str(seed),
                    "created": str(time.time())}
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.close()
        return self.describe(set_id)

    def describe(self, set_id: str) -> dict[str, Any]:
        """Name, systems, item and rating counts of a set."""
        conn = _connect(self._path(set_id))
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            n_items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
            rated = conn.execute("SELECT COUNT(DISTINCT item_id) FROM ratings").fetchone()[0]
        finally:
            conn.close()
        return {"id": set_id, "name": meta.get("name", ""),
                "systems": json.loads(meta.get("systems", "[]")), "items": n_items,
                "rated_items": rated, "created": float(meta.get("created", 0))}

    def list(self) -> list[dict[str, Any]]:
        """Every set, newest first."""
        ids = sorted((p.stem for p in self.root.glob("*.sqlite")), reverse=True)
        return [self.describe(i) for i in ids]

    def _latest(self, conn: sqlite3.Connection, rater: str | None = None
                ) -> dict[tuple[str, str], tuple[str, float]]:
        query = "SELECT item_id, rater, choice, at FROM ratings"
        args: tuple[str, ...] = ()
        if rater is not None:
            query, args = query + " WHERE rater=?", (rater,)
        return {(i, r): (c, t) for i, r, c, t in conn.execute(query + " ORDER BY n", args)}

    def items(self, set_id: str, rater: str | None = None) -> list[dict[str, Any]]:
        """Blinded item list: ids and this rater's choice so far (no system names)."""
        conn = _connect(self._path(set_id))
        try:
            latest = self._latest(conn, rater)
            ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY seq")]
        finally:
            conn.close()
        return [{"id": i, "choice": latest.get((i, rater), (None,))[0] if rater else None}
                for i in ids]

    def item(self, set_id: str, item_id: str, rater: str | None = None) -> dict[str, Any]:
        """One blinded item: context, text A, text B and this rater's choice."""
        conn = _connect(self._path(set_id))
        try:
            row = conn.execute("SELECT context, text_a, text_b FROM items WHERE id=?",
                               (item_id,)).fetchone()
            latest = self._latest(conn, rater) if rater else {}
        finally:
            conn.close()
        if row is None:
            raise ApiError(404, "not_found", f"no item {item_id!r} in this set")
        return {"id": item_id, "context": row[0], "a": row[1], "b": row[2],
                "choice": latest.get((item_id, rater), (None,))[0] if rater else None}

    def rate(self, set_id: str, item_id: str, rater: str, choice: str) -> float:
        """Append a rating; the latest rating of a rater for an item wins."""
        if choice not in CHOICES:
            raise ApiError(422, "invalid_value", f"choice must be one of {list(CHOICES)}")
        conn = _connect(self._path(set_id))
        try:
            if conn.execute("SELECT 1 FROM items WHERE id=?", (item_id,)).fetchone() is None:
                raise ApiError(404, "not_found", f"no item {item_id!r} in this set")
            now = time.time()
            conn.execute("INSERT INTO ratings(item_id, rater, choice, at) VALUES (?, ?, ?, ?)",
                         (item_id, rater, choice, now))
        finally:
            conn.close()
        return now

    def export_csv(self, set_id: str, raw: bool = False) -> str:
        """The ratings as the long reader-study CSV (header :data:`EXPORT_HEADER`),
        spreadsheet-safe unless ``raw``."""
        conn = _connect(self._path(set_id))
        try:
            systems = json.loads(dict(conn.execute("SELECT key, value FROM meta"))["systems"])
            order = {r[0]: r[1:] for r in conn.execute(
                "SELECT id, seq, system_a, system_b FROM items")}
            latest = self._latest(conn)
        finally:
            conn.close()
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, raw=raw, lineterminator="\n")
        writer.writerow(EXPORT_HEADER)
        for (item_id, rater), (choice, at) in sorted(
                latest.items(), key=lambda kv: (order[kv[0][0]][0], kv[0][1])):
            _, system_a, system_b = order[item_id]
            winner = {"A": system_a, "B": system_b}.get(choice, "equal")
            writer.writerow([item_id, rater, _rating(choice, systems[0], system_a), choice,
                             system_a, system_b, winner,
                             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))])
        return buffer.getvalue()
