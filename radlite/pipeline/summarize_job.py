"""``radlite summarize`` under the job runner: patients in, summaries out, resumable.

Each patient is one item of a ``summarize`` job (:class:`radlite.tasks.summarize.
SummarizeTask`): :func:`read_patients` turns a patient line into a
:class:`~radlite.core.types.Report` (id = ``patient_id``, text = the line's JSON), the
runner commits every batch to a SQLite job store (``<output>.job.sqlite``), a rerun
skips finished patients, duplicate patient ids stop the job before any work, and the
output is written atomically at the end in today's format. A malformed patient (no
reports, a report without a date or text) becomes a failed row with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from radlite.backends.base import Backend
from radlite.core.errors import InputError
from radlite.core.io import check_unique_ids, check_writable, iter_json_objects, write_jsonl
from radlite.core.types import Record, Report
from radlite.pipeline.checks import check_outputs
from radlite.pipeline.extract import (
    BackendSpec,
    job_store_path,
    model_backend,
    open_job,
    resolve_backend,
)
from radlite.pipeline.runner import RunOptions, RunSummary, run_job


def read_patients(path: Path, encoding: str = "utf-8") -> Iterator[Report]:
    """Stream one patient item per non-empty JSONL line.

    Raises:
        InputError: a line that is not JSON, not an object, or has no ``patient_id``
            (nor ``id``): such a line cannot become a record of its own.
    """
    for number, line, row in iter_json_objects(path, encoding):
        raw = row.get("patient_id") or row.get("id")
        patient_id = "" if raw is None else str(raw).strip()
        if not patient_id:
            raise InputError(f"{path}:{number}: no 'patient_id'")
        yield Report(id=patient_id, text=line.strip(), meta={"line": str(number)})


def summary_row(record: Record) -> dict[str, Any]:
    """The output row of one record: ``patient_id, summary, per_report, status`` first,
    then every other value of the record (``exams``, ``lesions``, ...) by key name, so a
    fresh run and a resumed one write the same order (failed patients: status
    ``failed`` and the reason in ``error``)."""
    if record.status == "ok":
        values = record.values
        row = {"patient_id": values.get("patient_id", record.id),
               "summary": values.get("summary", ""),
               "per_report": values.get("per_report", []), "status": values.get("status", "")}
        row.update((key, values[key]) for key in sorted(values) if key not in row)
        return row
    return {"patient_id": record.id, "per_report": [], "summary": "", "status": "failed",
            "error": record.error or "failed"}


def write_summaries(records: Iterable[Record], path: Path) -> None:
    """Atomically write one summary row per record, in input order."""
    write_jsonl(path, (summary_row(r) for r in records))


def summarize_job(input_path: Path, output: Path, job_store: Path | None = None,
                  restart: bool = False, options: RunOptions | None = None,
                  mode: str = "table", backend: BackendSpec | Backend | None = None,
                  statements: str = "selected", statement_model: str | Path | None = None
                  ) -> RunSummary:
    """Summarise every patient of ``input_path`` into ``output`` through the job runner.

    Args:
        input_path: JSONL, one patient per line.
        output: JSONL output (written atomically when the run ends).
        job_store: SQLite job file (default ``<output>.job.sqlite``).
        restart: discard an existing job store first.
        options: batching, ``retry_failed``, progress.
        mode: ``table`` (no model) or ``model`` (the backend rewrites the summary's
            sentences; the grounding gate keeps the table's sentence where one fails).
        backend: the model for ``model`` mode (a loaded backend or which one to load;
            default the embedded model).
        statements: ``selected`` (phrases of each impression kept by the statement
            selector) or ``table`` (lead item and lesion table) per-report statements.
        statement_model: a selector folder (``radlite train statement-selector``);
            default the shipped one.
    """
    from radlite.tasks import get_task

    input_path, output = Path(input_path), Path(output)
    check_writable(output)
    task = get_task("summarize", mode=mode, statements=statements,
                    statement_model=statement_model)
    try:
        total = check_unique_ids(read_patients(input_path))
    except InputError as exc:
        raise InputError(str(exc).replace("report ids", "patient ids")) from exc
    store_path = Path(job_store or job_store_path(output))
    check_outputs(output, store_path, total)
    chosen = model_backend(task, backend)
    backend_obj = chosen if isinstance(chosen, Backend) else resolve_backend(task.name, chosen)
    fingerprint = {**task.fingerprint(), "model_id": backend_obj.model_id,
                   "adapter_hash": backend_obj.adapter_hash, "input": str(input_path.resolve())}
    spec = {"kind": "summarize", "task": task.name, "output": str(output.resolve()),
            "fmt": "jsonl", "input": {"path": str(input_path.resolve())}}
    with open_job(store_path, fingerprint, restart=restart, output=output, total=total,
                  spec=spec) as store:
        summary = run_job(task, backend_obj, read_patients(input_path), store, options,
                          total=total)
        write_summaries(store.records(), output)
    return summary
