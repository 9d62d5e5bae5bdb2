"""Writing generated records: CSV (gold label columns) or JSONL (with the structured case).

The CSV *columns* of each task follow docs/architecture.md so that the task readers
and the evaluator read synth output unchanged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.schemas import lirads_features, load_schema


def csv_columns(task: str) -> list[str]:
    """Column order of the gold CSV of ``task``.

    Args:
        task: synth task name.

    Returns:
        Column names.

    Raises:
        ConfigError: for ``serial``, which is JSONL only.
    """
    if task == "lirads":
        return ["id", "report", *lirads_features()]
    if task == "abdct":
        cols = ["id", "report"]
        for organ in load_schema("abdct")["organs"]:
            groups = [f"{organ}_{g}" for g in load_schema("abdct")["label_groups"]]
            cols += groups + [f"{organ}_urgency", f"{organ}_any_abnormality"]
        return cols
    if task == "chest":
        return ["id", "report", *load_schema("chexpert")["observations"]]
    if task == "impression":
        return ["id", "indication", "modality", "body_site", "findings", "impression"]
    raise ConfigError(f"task {task!r} has no CSV form; write .jsonl")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def write(records: Sequence[dict[str, Any]], path: str | Path, task: str) -> Path:
    """Write records as CSV (``.csv``) or JSONL (``.jsonl``/``.json``), by extension.

    CSV holds the text and gold label columns; JSONL holds every field including the
    structured ``case``.

    Args:
        records: output of :func:`radlite.synth.generate`.
        path: destination file.
        task: the task the records belong to.

    Returns:
        The path written.

    Raises:
        ConfigError: unknown extension, or CSV for a JSONL-only task.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".jsonl", ".json"):
        with path.open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return path
    if suffix != ".csv":
        raise ConfigError(f"cannot tell the format of {path.name!r}; use .csv or .jsonl")
    cols = csv_columns(task)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for rec in records:
            writer.writerow([_cell(rec.get(c)) for c in cols])
    return path
