"""Inspecting, retrying and exporting jobs: the library behind ``radlite jobs``.

A *job* is one job store (``<output>.job.sqlite``). :func:`job_status` summarises it;
:func:`retry_failed` reruns only its failed reports with the recorded settings;
:func:`export_job` writes its records (finished so far) in any output format.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from radlite.core.decoding import Decoding
from radlite.core.errors import ConfigError, InputError
from radlite.core.io import write_jsonl
from radlite.pipeline.runner import RunOptions, RunSummary
from radlite.pipeline.store import JobStore


@dataclass
class JobStatus:
    """Progress of one job."""

    path: Path
    task: str
    total: int | None
    ok: int
    failed: int
    output: str
    rate: float | None
    updated: float | None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> int:
        """Reports with a record (ok or failed)."""
        return self.ok + self.failed

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the recorded rate, when the job is incomplete."""
        if not self.total or not self.rate or self.finished >= self.total:
            return None
        return (self.total - self.finished) / self.rate

    def state(self) -> str:
        """``complete``, ``partial`` or ``empty``."""
        if self.total is not None and self.finished >= self.total:
            return "complete"
        return "partial" if self.finished else "empty"


def open_existing(path: Path) -> JobStore:
    """Open a job store that must already exist (never creates one).

    Raises:
        InputError: the file does not exist.
    """
    if not Path(path).is_file():
        raise InputError(f"{path}: no such job store")
    return JobStore(path)


def job_status(path: Path) -> JobStatus:
    """Summarise one job store."""
    with open_existing(path) as store:
        meta = store.meta()
        counts = store.counts()
        timing = store.timing()
        reasons: dict[str, int] = {}
        for _, error in store.failures():
            key = error.split(":")[0][:60]
            reasons[key] = reasons.get(key, 0) + 1
    finished = sum(counts.values())
    fingerprint = json.loads(meta.get("fingerprint", "{}"))
    rate = None
    if timing and timing[1] > timing[0] and finished > 1:
        rate = (finished - 1) / (timing[1] - timing[0])
    return JobStatus(
        path=Path(path), task=str(fingerprint.get("task", "?")),
        total=int(meta["total"]) if meta.get("total") else None,
        ok=counts.get("ok", 0), failed=finished - counts.get("ok", 0),
        output=meta.get("output", ""), rate=rate,
        updated=timing[1] if timing else None, reasons=reasons,
    )


def format_age(stamp: float | None) -> str:
    """``5m ago``-style age of an epoch timestamp."""
    if stamp is None:
        return "-"
    seconds = max(0.0, time.time() - stamp)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit} ago"
    return f"{seconds:.0f}s ago"


def _extract_spec(store: JobStore) -> dict[str, Any]:
    spec = store.spec()
    if not spec or spec.get("kind") != "extract":
        raise ConfigError(
            f"{store.path} was not started by 'radlite extract' (no recorded settings); "
            "rerun its command with --retry-failed instead"
        )
    return spec


def retry_failed(path: Path, options: RunOptions | None = None,
                 backend_options: dict[str, Any] | None = None) -> RunSummary:
    """Rerun only the failed reports of an extraction job and rewrite its output.

    Args:
        path: the job store.
        options: batching and progress (``retry_failed`` is forced on).
        backend_options: overrides of the recorded backend options (e.g. ``threads``).

    Raises:
        ConfigError: the job has no recorded settings, or ran on an in-memory backend.
    """
    from radlite.pipeline.extract import BackendSpec, InputSpec, extract

    with open_existing(path) as store:
        spec = _extract_spec(store)
    backend = spec["backend"]
    if backend.get("loaded"):
        raise ConfigError(f"{path} ran on a backend object passed in code; retry it from code")
    source = InputSpec(Path(spec["input"]["path"]), spec["input"]["id_col"],
                       spec["input"]["text_col"], spec["input"]["encoding"])
    base = options or RunOptions()
    run_options = replace(base, retry_failed=True)
    chosen = BackendSpec(backend["name"], {**backend["options"], **(backend_options or {})},
                         Decoding.from_mapping(backend.get("decoding") or {}))
    return extract(spec["task"], source, Path(spec["output"]), fmt=spec["fmt"], backend=chosen,
                   options=run_options, job_store=Path(path), task_options=spec["task_options"],
                   raw_csv=bool(spec.get("raw_csv", False)))


def export_job(path: Path, output: Path, fmt: str = "wide", status: str | None = None,
               raw_csv: bool = False) -> int:
    """Write the records of a job store (all finished so far) to ``output``.

    ``jsonl`` works for every job; other formats need an extraction job's task. CSV is
    spreadsheet-safe unless ``raw_csv`` (see :mod:`radlite.core.csvsafe`).

    Returns:
        The number of records written.
    """
    from radlite.pipeline.writers import get_writer
    from radlite.tasks import get_task

    with open_existing(path) as store:
        count = sum(1 for _ in store.records(status))
        if fmt == "jsonl":
            write_jsonl(output, (r.to_dict() for r in store.records(status)))
            return count
        spec = _extract_spec(store)
        task = get_task(spec["task"], **spec["task_options"])
        get_writer(fmt, raw=raw_csv)(task, store.records(status), Path(output))
    return count
