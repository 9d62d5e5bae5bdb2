"""Output writers: wide CSV, long CSV, JSONL (and FHIR, provided by radlite.fhir).

All writers are atomic (temporary file, then rename) and take records in input order.
The CSV writers are spreadsheet-safe by default (cells that a spreadsheet would run as a
formula get a leading ``'``, see :mod:`radlite.core.csvsafe`); ``raw=True``
(``--raw-csv``) writes cells as they are. JSONL and FHIR are always raw.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from radlite.core.errors import ConfigError
from radlite.core.io import write_csv, write_jsonl
from radlite.core.types import Record
from radlite.tasks.base import Task

Writer = Callable[[Task, Iterable[Record], Path], None]


def write_wide(task: Task, records: Iterable[Record], path: Path, raw: bool = False) -> None:
    """One row per report: id, the task's value columns, status, error, evidence."""
    write_csv(path, task.wide_header(), (task.wide_row(r) for r in records), raw=raw)


def _long_rows(task: Task, record: Record) -> list[list[object]]:
    return [[name, record.values.get(name)] for name in task.columns()]


def write_long(task: Task, records: Iterable[Record], path: Path, raw: bool = False) -> None:
    """Long CSV. A folder gets one ``<id>.csv`` per report with header ``feature,value``
    (the paper's format); a file gets ``id,feature,value`` rows for all reports.
    Failed reports are left out of the long format (they are in the job store and in
    the wide/JSONL outputs with their reasons) and listed in ``<output>.failed.csv``.
    """
    items = list(records)
    failed = [[r.id, r.error] for r in items if r.status != "ok"]
    ok = [r for r in items if r.status == "ok"]
    if path.suffix == "" or path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        for record in ok:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in record.id)
            write_csv(path / f"{safe}.csv", ["feature", "value"], _long_rows(task, record),
                      raw=raw)
        failed_path = path / "_failed.csv"
    else:
        rows = ([record.id, *row] for record in ok for row in _long_rows(task, record))
        write_csv(path, ["id", "feature", "value"], rows, raw=raw)
        failed_path = path.with_suffix(".failed.csv")
    if failed:
        write_csv(failed_path, ["id", "error"], failed, raw=raw)
    else:
        failed_path.unlink(missing_ok=True)


def write_records_jsonl(task: Task, records: Iterable[Record], path: Path) -> None:
    """One JSON object per report with values, evidence spans and provenance."""
    write_jsonl(path, (r.to_dict() for r in records))


WRITERS: dict[str, Writer | str] = {
    "wide": write_wide,
    "long": write_long,
    "jsonl": write_records_jsonl,
    "fhir": "radlite.fhir:write_fhir",
}
CSV_FORMATS = ("wide", "long")
"""Formats written as CSV (spreadsheet-safe unless ``raw``)."""


def get_writer(fmt: str, raw: bool = False) -> Writer:
    """The writer for output format ``fmt``; ``raw=True`` turns off the spreadsheet-safe
    guard of the CSV formats (it changes nothing for ``jsonl`` and ``fhir``).

    Raises:
        ConfigError: unknown format, or a format not available in this install.
    """
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ConfigError(f"unknown output format '{fmt}'; choose one of {sorted(WRITERS)}")
    if isinstance(writer, str):
        module, name = writer.split(":")
        try:
            writer = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"output format '{fmt}' is not available: {exc}") from exc
    if raw and fmt in CSV_FORMATS:
        return functools.partial(writer, raw=True)
    return writer
