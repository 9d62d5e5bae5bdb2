"""Writing generated records: CSV (gold label columns) or JSONL (with the structured case).

The CSV *columns* of each task follow docs/architecture.md so that the task readers
and the evaluator read synth output unchanged. CSV is spreadsheet-safe unless ``raw``
(:mod:`radlite.core.csvsafe`; radlite's readers remove the guard again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radlite.core import csvsafe
from radlite.core.errors import ConfigError
from radlite.tasks import registry
from radlite.tasks.spec import Synthesis, TaskSpec


def synthesis(task: str) -> tuple[TaskSpec, Synthesis]:
    """The registered task ``task`` (a name or alias) and its generator.

    Raises:
        ConfigError: unknown task, or a task without a generator.
    """
    spec = registry.task_spec(task)
    if spec.synthesis is None:
        raise ConfigError(f"task {task!r} has no synthetic generator")
    return spec, spec.synthesis


def csv_columns(task: str) -> list[str]:
    """Column order of the gold CSV of ``task``: the generator's own list, or ``id``, the
    text field and the task's value columns.

    Raises:
        ConfigError: for a JSONL-only task (``summarize``).
    """
    spec, how = synthesis(task)
    if how.columns is not None and not how.columns:
        raise ConfigError(f"task {task!r} has no CSV form; write .jsonl")
    if how.columns:
        return list(how.columns)
    return ["id", how.text_field, *spec.create().columns()]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def write(records: Sequence[dict[str, Any]], path: str | Path, task: str,
          raw: bool = False) -> Path:
    """Write records as CSV (``.csv``) or JSONL (``.jsonl``/``.json``), by extension.

    CSV holds the text and gold label columns; JSONL holds every field including the
    structured ``case``.

    Args:
        records: output of :func:`radlite.synth.generate`.
        path: destination file.
        task: the task the records belong to.
        raw: CSV cells as they are (by default a cell that a spreadsheet would run as a
            formula gets a leading ``'``; numbers are never changed).

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
        writer = csvsafe.writer(fh, raw=raw)
        writer.writerow(cols)
        for rec in records:
            writer.writerow([_cell(rec.get(c)) for c in cols])
    return path
