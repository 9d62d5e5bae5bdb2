"""Reading gold and prediction files and matching them by id.

Key term: an *alignment*. Gold ids define the evaluation set; each prediction
file is matched to it by id. Ids in the gold file but not in a prediction are
*missing* (scored as wrong by default, so a model cannot gain by failing);
ids in a prediction but not in the gold file are *extra* (not scored). Both
lists are reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radlite.core import csvsafe
from radlite.core.errors import InputError
from radlite.core.io import iter_json_objects

ID_COLUMNS = ("id", "uid", "study_id", "patient_id")


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Read a CSV (header row) or JSONL file into row dicts.

    JSONL objects with a ``values`` mapping (the extraction output) are flattened
    so that feature values sit next to ``id`` and ``status``. CSV cells lose the
    spreadsheet-safe guard radlite's writers add (:func:`radlite.core.csvsafe.unguard_cell`),
    so a guarded prediction id ``'=x`` matches the gold id ``=x``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        return _read_jsonl(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return list(csvsafe.dict_reader(fh))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for _, _, obj in iter_json_objects(path):
        values = obj.get("values")
        if isinstance(values, dict):
            obj = {**{k: v for k, v in obj.items() if k != "values"}, **values}
        rows.append(obj)
    return rows


def id_column(rows: list[dict[str, Any]], path: str | Path) -> str:
    """The id column of ``rows`` (``id``, else ``uid``, ``study_id``, ``patient_id``)."""
    if not rows:
        raise InputError(f"{path}: no rows")
    for name in ID_COLUMNS:
        if name in rows[0]:
            return name
    raise InputError(f"{path}: no id column (expected one of {', '.join(ID_COLUMNS)})")


def index_by_id(rows: list[dict[str, Any]], path: str | Path) -> dict[str, dict[str, Any]]:
    """Rows keyed by their id (as a string); duplicate ids are an error."""
    key = id_column(rows, path)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        rid = str(row[key]).strip()
        if rid in out:
            raise InputError(f"{path}: duplicate id {rid!r}")
        out[rid] = row
    return out


@dataclass
class Alignment:
    """Gold ids and, per prediction, the matched rows (None where missing)."""

    ids: list[str]
    gold: list[dict[str, Any]]
    preds: dict[str, list[dict[str, Any] | None]]
    missing: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready id bookkeeping (counts and up to 50 example ids each)."""
        return {
            "n_gold": len(self.ids),
            "models": {
                name: {
                    "n_missing": len(self.missing[name]),
                    "n_extra": len(self.extra[name]),
                    "n_failed": len(self.failed[name]),
                    "missing_ids": self.missing[name][:50],
                    "extra_ids": self.extra[name][:50],
                    "failed_ids": self.failed[name][:50],
                }
                for name in self.preds
            },
        }


def align(
    gold_path: str | Path, pred_paths: dict[str, str | Path], on_missing: str = "wrong"
) -> Alignment:
    """Match prediction files to the gold file by id.

    Args:
        gold_path: gold CSV/JSONL.
        pred_paths: model name -> prediction CSV/JSONL.
        on_missing: ``"wrong"`` keeps every gold id (missing predictions score as
            wrong); ``"drop"`` keeps only ids that every model predicted.

    Returns:
        The alignment, in gold-file order.
    """
    if on_missing not in {"wrong", "drop"}:
        raise InputError(f"on_missing must be 'wrong' or 'drop', not {on_missing!r}")
    gold = index_by_id(read_rows(gold_path), gold_path)
    preds = {name: index_by_id(read_rows(p), p) for name, p in pred_paths.items()}
    ids = list(gold)
    if on_missing == "drop":
        ids = [i for i in ids if all(i in p for p in preds.values())]
        if not ids:
            raise InputError("no id is present in the gold file and every prediction file")
    return Alignment(
        ids=ids,
        gold=[gold[i] for i in ids],
        preds={name: [p.get(i) for i in ids] for name, p in preds.items()},
        missing={name: [i for i in gold if i not in p] for name, p in preds.items()},
        extra={name: [i for i in p if i not in gold] for name, p in preds.items()},
        failed={
            name: [i for i, r in p.items() if str(r.get("status", "ok")) == "failed"]
            for name, p in preds.items()
        },
    )


def normalise(value: Any) -> int | float | str | None:
    """Normalise a cell: empty/"nan"/None -> None, "25.0" -> 25, "x " -> "x"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "null", "na", "n/a"}:
        return None
    try:
        number = float(text)
    except ValueError:
        return text.lower()
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number
