"""Training data for a learn cycle: reviewed reports or a gold CSV, split by report.

Key terms:

- *learn set*: reports (id and text) with their gold values, one dict per report over the
  task's label columns. It comes from a server job's reviews (only fully reviewed
  reports, :func:`radlite.serve.review.gold_rows`) or from any gold CSV in the review
  export's layout (``id``, ``report``, one column per label).
- *held-out part*: the reports the candidate model is compared on. The split is by
  report id (a stable hash), so the same report always falls on the same side, and a
  report's labels never sit on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radlite.core import csvsafe
from radlite.core.errors import InputError
from radlite.core.types import Report

#: Fewest reviewed reports a learn cycle accepts on each side of the split.
MIN_TRAIN = 10
MIN_HELDOUT = 10


@dataclass
class LearnSet:
    """Reports with their gold values (``gold[i][column]``)."""

    ids: list[str]
    texts: list[str]
    gold: list[dict[str, Any]]
    columns: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def reports(self) -> list[Report]:
        """The reports as :class:`~radlite.core.types.Report` objects."""
        return [Report(id=i, text=t) for i, t in zip(self.ids, self.texts, strict=True)]

    def subset(self, rows: Sequence[int]) -> LearnSet:
        """The reports at ``rows``, in that order."""
        return LearnSet([self.ids[i] for i in rows], [self.texts[i] for i in rows],
                        [self.gold[i] for i in rows], list(self.columns))

    @staticmethod
    def concat(parts: Sequence[LearnSet]) -> LearnSet:
        """The reports of ``parts`` one after another (same columns)."""
        return LearnSet([i for p in parts for i in p.ids], [t for p in parts for t in p.texts],
                        [g for p in parts for g in p.gold], list(parts[0].columns))

    def data_hash(self) -> str:
        """SHA-256 (16 hex) of the ids, texts and gold values: the training-data hash."""
        digest = hashlib.sha256()
        for rid, text, gold in zip(self.ids, self.texts, self.gold, strict=True):
            digest.update(json.dumps([rid, text, [gold.get(c) for c in self.columns]],
                                     ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()[:16]


def cell(value: Any) -> Any:
    """A gold cell as the task's values hold it: ints for 0/1/-1, None for empty, text
    stripped."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value.strip()
    return value


def from_rows(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> LearnSet:
    """A learn set from ``[id, text, *values]`` rows (the review export's layout).

    Raises:
        InputError: duplicate report ids or an empty report text.
    """
    ids, texts, gold = [], [], []
    for row in rows:
        rid, text, *values = row
        if not str(text or "").strip():
            raise InputError(f"report {rid!r} has no text to learn from")
        ids.append(str(rid))
        texts.append(str(text))
        gold.append({c: cell(v) for c, v in zip(columns, values, strict=True)})
    if len(set(ids)) != len(ids):
        raise InputError("duplicate report ids in the training data")
    return LearnSet(ids, texts, gold, list(columns))


def from_gold_csv(path: Path, columns: Sequence[str], id_col: str = "id",
                  text_cols: Sequence[str] = ("report",)) -> LearnSet:
    """A learn set from a gold CSV (``radlite`` review export layout by default).

    Label columns the file lacks are an error; text columns are joined with a space.

    Raises:
        InputError: unreadable file or missing columns.
    """
    if not path.is_file():
        raise InputError(f"gold file not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csvsafe.dict_reader(handle)
        header = reader.fieldnames or []
        missing = [c for c in (id_col, *text_cols, *columns) if c not in header]
        if missing:
            raise InputError(f"{path}: missing column(s) {missing}")
        rows = [[row[id_col], " ".join((row[c] or "").strip() for c in text_cols).strip(),
                 *(row[c] for c in columns)] for row in reader]
    return from_rows(rows, columns)


def _bucket(report_id: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{report_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def folds(data: LearnSet, k: int, seed: int = 0) -> list[tuple[LearnSet, LearnSet]]:
    """``k`` ``(train, test)`` pairs; every report is in exactly one test part (by the
    stable hash of its id).

    Raises:
        InputError: fewer than 2 folds, or a test part with no report.
    """
    if k < 2:
        raise InputError(f"cross-fitting needs at least 2 folds, got {k}")
    fold_of = [min(int(_bucket(rid, seed) * k), k - 1) for rid in data.ids]
    out = []
    for f in range(k):
        test = [i for i, x in enumerate(fold_of) if x == f]
        train = [i for i, x in enumerate(fold_of) if x != f]
        if not test or len(train) < MIN_TRAIN:
            raise InputError(f"{len(data)} reviewed reports are too few for {k} folds: "
                             "review more reports or use fewer folds")
        out.append((data.subset(train), data.subset(test)))
    return out


def split(data: LearnSet, holdout: float = 0.3, seed: int = 0) -> tuple[LearnSet, LearnSet]:
    """``(train, held-out)``: each report goes to the held-out part when the stable hash of
    its id falls below ``holdout``.

    Raises:
        InputError: ``holdout`` outside (0, 1), or a side with too few reports.
    """
    if not 0.0 < holdout < 1.0:
        raise InputError(f"holdout must be between 0 and 1, got {holdout}")
    held = [i for i, rid in enumerate(data.ids) if _bucket(rid, seed) < holdout]
    held_set = set(held)
    train = [i for i in range(len(data)) if i not in held_set]
    if len(train) < MIN_TRAIN or len(held) < MIN_HELDOUT:
        raise InputError(
            f"{len(data)} reviewed reports give {len(train)} to train on and {len(held)} to "
            f"compare on; a learn cycle needs at least {MIN_TRAIN} and {MIN_HELDOUT}: review "
            "more reports first")
    return data.subset(train), data.subset(held)
