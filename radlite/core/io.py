"""Reading reports and writing outputs.

Readers stream: a CSV of millions of rows is never held in memory. Each row becomes a
:class:`~radlite.core.types.Report`; a row with a problem the task must report (for
example bytes that are not valid in the declared encoding) carries the problem in
``meta["_problem"]`` so that the pipeline writes it as an explicit failure.
Writers are atomic: they write a temporary file beside the target and rename it.
CSV is spreadsheet-safe (see :mod:`radlite.core.csvsafe`): :func:`write_csv` guards cells
that a spreadsheet would run as a formula unless ``raw=True``, and :func:`read_reports`
removes that guard again, so that radlite reads back exactly what it wrote.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from radlite.core import csvsafe
from radlite.core.errors import InputError
from radlite.core.types import Report

PROBLEM_KEY = "_problem"

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


_SURROGATE = re.compile("[\udc80-\udcff]")


def _undecodable(value: str) -> bool:
    """True when ``value`` holds surrogate escapes, i.e. bytes that did not decode."""
    return _SURROGATE.search(value) is not None


def _clean(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _row_to_report(
    row: dict[str, Any], id_col: str, text_col: str, where: str, encoding: str
) -> Report:
    raw_id = row.get(id_col)
    report_id = "" if raw_id is None else str(raw_id).strip()
    if not report_id:
        raise InputError(f"{where}: empty or missing id in column '{id_col}'")
    text = row.get(text_col)
    text = "" if text is None else str(text)
    meta = {k: str(v) for k, v in row.items() if k not in (id_col, text_col) and v is not None}
    if _undecodable(text) or _undecodable(report_id):
        meta[PROBLEM_KEY] = (
            f"{where}: the report contains bytes that are not valid {encoding}; "
            "re-encode the file or pass the right --encoding (e.g. cp949 for Korean Windows files)"
        )
        text, report_id = _clean(text), _clean(report_id)
    return Report(id=report_id, text=text, meta=meta)


def _read_csv(path: Path, id_col: str, text_col: str, encoding: str) -> Iterator[Report]:
    with path.open(newline="", encoding=encoding, errors="surrogateescape") as handle:
        reader = csvsafe.dict_reader(handle)
        header = reader.fieldnames or []
        missing = [c for c in (id_col, text_col) if c not in header]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {missing}; the header has {header}. "
                "Choose columns with --id-col and --text-col."
            )
        try:
            for row in reader:
                if None in row:
                    raise InputError(
                        f"{path}: line {reader.line_num} has more fields than the header"
                    )
                yield _row_to_report(row, id_col, text_col, f"{path}:{reader.line_num}", encoding)
        except csv.Error as exc:
            raise InputError(f"{path}: malformed CSV near line {reader.line_num}: {exc}") from exc


def iter_json_objects(path: str | os.PathLike[str], encoding: str = "utf-8",
                      errors: str = "strict") -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line number, line, object)`` for each non-blank line of a JSONL file.

    Raises:
        InputError: naming the line that is not valid JSON or not a JSON object.
    """
    with Path(path).open(encoding=encoding, errors=errors) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: expected a JSON object per line")
            yield number, line, row


def _read_jsonl(path: Path, id_col: str, text_col: str, encoding: str) -> Iterator[Report]:
    for number, _, row in iter_json_objects(path, encoding, "surrogateescape"):
        if text_col not in row:
            raise InputError(f"{path}:{number}: no '{text_col}' field (see --text-col)")
        yield _row_to_report(row, id_col, text_col, f"{path}:{number}", encoding)


def _read_folder(path: Path, encoding: str) -> Iterator[Report]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
    if not files:
        raise InputError(f"{path}: folder has no .txt files")
    for file in files:
        text = file.read_bytes().decode(encoding, "surrogateescape")
        row = {"id": file.stem, "report": text}
        yield _row_to_report(row, "id", "report", str(file), encoding)


def read_reports(
    path: str | os.PathLike[str],
    id_col: str = "id",
    text_col: str = "report",
    encoding: str = "utf-8",
) -> Iterator[Report]:
    """Stream reports from a CSV, a JSONL file, or a folder of ``.txt`` files.

    Args:
        path: input file or folder. ``.jsonl``/``.ndjson`` is JSON lines; a folder is
            read as one report per ``.txt`` file (id = file name without extension);
            anything else is CSV with a header row. CSV cells lose the spreadsheet-safe
            guard of radlite's writers (:func:`radlite.core.csvsafe.unguard_cell`: one
            leading ``'`` before ``=``, ``+``, ``-``, ``@``, ...), so radlite reads its own
            CSV output (synth, perturb, review export) back exactly.
        id_col: column holding the report id.
        text_col: column holding the report text.
        encoding: text encoding of the input (rows with invalid bytes are flagged).

    Yields:
        Reports in input order.

    Raises:
        InputError: missing file or columns, malformed CSV/JSON, empty ids.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if source.is_dir():
        yield from _read_folder(source, encoding)
    elif source.suffix.lower() in (".jsonl", ".ndjson"):
        yield from _read_jsonl(source, id_col, text_col, encoding)
    else:
        yield from _read_csv(source, id_col, text_col, encoding)


def check_unique_ids(reports: Iterable[Report], limit: int = 5) -> int:
    """Stream through ``reports`` and fail on duplicate ids before any work starts.

    Returns:
        The number of reports.

    Raises:
        InputError: naming up to ``limit`` duplicated ids.
    """
    seen: set[str] = set()
    duplicates: list[str] = []
    count = 0
    for report in reports:
        count += 1
        if report.id in seen:
            if len(duplicates) < limit:
                duplicates.append(report.id)
        else:
            seen.add(report.id)
    if duplicates:
        raise InputError(
            f"duplicate report ids in the input (e.g. {duplicates}); ids must be unique "
            "so that results can be matched and jobs resumed"
        )
    return count


@contextmanager
def atomic_writer(path: str | os.PathLike[str], newline: str | None = "") -> Iterator[IO[str]]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: str | os.PathLike[str], header: list[str], rows: Iterable[list[Any]],
              raw: bool = False) -> None:
    """Atomically write a UTF-8 CSV with ``header`` then ``rows`` (None -> empty).

    Cells that a spreadsheet would run as a formula get a leading ``'``
    (:func:`radlite.core.csvsafe.safe_cell`); ``raw=True`` writes them as they are.
    """
    with atomic_writer(path) as handle:
        writer = csvsafe.writer(handle, raw=raw)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def write_jsonl(path: str | os.PathLike[str], objects: Iterable[dict[str, Any]]) -> None:
    """Atomically write one JSON object per line (UTF-8, non-ASCII kept)."""
    with atomic_writer(path, newline=None) as handle:
        for obj in objects:
            handle.write(json.dumps(obj, ensure_ascii=False) + "\n")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail before work starts when the output cannot be written.

    Raises:
        InputError: the output's folder cannot be created or written to.
    """
    target = Path(path)
    folder = target if target.suffix == "" and target.is_dir() else target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".radlite-write-check."):
            pass
    except OSError as exc:
        raise InputError(f"cannot write output to {target}: {exc.strerror or exc}") from exc
