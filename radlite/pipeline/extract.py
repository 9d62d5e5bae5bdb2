"""The library call behind ``radlite extract``: one function from input file to outputs."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radlite.adapters import default_adapter
from radlite.backends import Backend, load_backend
from radlite.backends.base import backend_identity, with_decoding
from radlite.core.decoding import Decoding
from radlite.core.errors import ConfigError
from radlite.core.io import check_unique_ids, check_writable, read_reports
from radlite.pipeline.checks import check_outputs
from radlite.pipeline.runner import RunOptions, RunSummary, run_job
from radlite.pipeline.store import JobStore
from radlite.pipeline.writers import get_writer
from radlite.tasks import Task, get_task

log = logging.getLogger(__name__)


@dataclass
class InputSpec:
    """Where the reports come from and how to read them."""

    path: Path
    id_col: str = "id"
    text_col: str = "report"
    encoding: str = "utf-8"

    def reports(self):  # noqa: ANN201 - iterator of Report
        """Stream the reports."""
        return read_reports(self.path, self.id_col, self.text_col, self.encoding)


@dataclass
class BackendSpec:
    """Which backend to load, with its options."""

    name: str = "builtin"
    options: dict[str, Any] = field(default_factory=dict)
    decoding: Decoding = field(default_factory=Decoding)


def job_store_path(output: Path) -> Path:
    """Default job store beside the output: ``<output>.job.sqlite``."""
    return output.with_name(output.name + ".job.sqlite")


def resolve_backend(task_name: str, spec: BackendSpec) -> Backend:
    """Load the backend; the builtin model gets the task's shipped adapter by default."""
    options = dict(spec.options)
    if spec.name == "builtin" and options.get("adapter") is None:
        shipped = default_adapter(task_name)
        if shipped is not None and not options.pop("no_adapter", False):
            options["adapter"] = str(shipped)
    options.pop("no_adapter", None)
    return with_decoding(load_backend(spec.name, **options), spec.decoding)


def model_backend(task: Task, backend: BackendSpec | Backend | None) -> BackendSpec | Backend:
    """What the job runs on: ``backend``, except a spec for a task that needs no model.

    A task whose mode calls no model (``task.needs_model`` is False, e.g. abdct's and
    chest's ``rules``) gets a :class:`~radlite.backends.null.NullBackend` instead of a
    spec, so no model is loaded and the job does not depend on the backend options.
    A loaded backend passed in code is used as given.
    """
    if isinstance(backend, Backend):
        return backend
    if not task.needs_model:
        from radlite.backends.null import NullBackend

        return NullBackend()
    return backend or BackendSpec()


def _same(obj: Any) -> Any:
    return obj


def open_job(store_path: Path, fingerprint: dict[str, Any], *, restart: bool, output: Path,
             total: int, spec: dict[str, Any]) -> JobStore:
    """Open the job store (recreated first with ``restart``) and record the job's output,
    size and settings.

    Raises:
        InputError: the store belongs to a different job (fingerprint mismatch).
    """
    if restart:
        for suffix in ("", "-wal", "-shm"):
            Path(str(store_path) + suffix).unlink(missing_ok=True)
    store = JobStore(store_path, fingerprint)
    try:
        store.set_meta("output", str(Path(output).resolve()))
        store.set_meta("total", str(total))
        store.set_spec(spec)
    except BaseException:
        store.close()
        raise
    return store


def _job_spec(task: str | Task, source: InputSpec, output: Path, fmt: str,
              backend: BackendSpec | Backend | None, task_options: dict[str, Any] | None,
              raw_csv: bool = False) -> dict[str, Any]:
    """What ``radlite jobs retry``/``export`` need to rebuild this job."""
    spec: dict[str, Any] = {
        "kind": "extract", "task": task if isinstance(task, str) else task.name,
        "task_options": task_options or {}, "output": str(Path(output).resolve()), "fmt": fmt,
        "raw_csv": raw_csv,
        "input": {"path": str(Path(source.path).resolve()), "id_col": source.id_col,
                  "text_col": source.text_col, "encoding": source.encoding},
    }
    if isinstance(backend, Backend):
        spec["backend"] = {"name": backend.name, "loaded": True}
    else:
        chosen = backend or BackendSpec()
        spec["backend"] = {"name": chosen.name, "options": chosen.options,
                           "decoding": chosen.decoding.as_dict()}
    return spec


def extract(
    task: str | Task,
    source: InputSpec,
    output: Path,
    fmt: str = "wide",
    backend: BackendSpec | Backend | None = None,
    options: RunOptions | None = None,
    job_store: Path | None = None,
    restart: bool = False,
    task_options: dict[str, Any] | None = None,
    executor: str = "local",
    executor_options: dict[str, Any] | None = None,
    raw_csv: bool = False,
) -> RunSummary:
    """Run a task over every report of ``source`` and write ``output`` in ``fmt``.

    Work is committed to a job store as it finishes; calling again with the same
    arguments resumes where the last run stopped. Before any model is loaded the input
    is scanned for duplicate ids and the output and job store are checked for write
    access and free space. Batched tasks (abdct, chest) run through the same runner
    (one ``run_batch`` call per batch); their model-free modes load no model.

    Args:
        task: task name (``lirads``, ``abdct``, ``chest``) or a Task object.
        source: input file/folder and columns.
        output: output file (or folder for ``fmt="long"`` per-report files).
        fmt: ``wide``, ``long``, ``jsonl`` or ``fhir``.
        backend: a loaded backend, or which one to load (default: the embedded model).
        options: batching, retries, progress.
        job_store: SQLite job file (default ``<output>.job.sqlite``).
        restart: discard an existing job store first.
        task_options: keyword options for the task (e.g. ``template``).
        executor: ``local`` (this process) or ``ray`` (one model replica per Ray worker;
            see :mod:`radlite.pipeline.ray_executor`).
        executor_options: keyword options of the executor (for ``ray``: ``address``,
            ``workers``, ``num_gpus``, ``num_cpus``).
        raw_csv: write ``wide``/``long`` CSV cells as they are; by default a cell that a
            spreadsheet would run as a formula gets a leading ``'``
            (:mod:`radlite.core.csvsafe`).

    Returns:
        The run summary (done, failed, skipped, reports per second).
    """
    if executor not in ("local", "ray"):
        raise ConfigError(f"unknown executor '{executor}'; choose local or ray")
    output = Path(output)
    writer = get_writer(fmt, raw=raw_csv)
    check_writable(output)
    task_obj = task if isinstance(task, Task) else get_task(task, **(task_options or {}))
    total = check_unique_ids(source.reports())
    store_path = Path(job_store or job_store_path(output))
    check_outputs(output, store_path, total)
    spec = model_backend(task_obj, backend)
    if executor == "ray":
        from radlite.pipeline.ray_executor import RayExecutor

        task_factory = (functools.partial(get_task, task, **(task_options or {}))
                        if isinstance(task, str) else functools.partial(_same, task_obj))
        factory = spec if isinstance(spec, Backend) else functools.partial(
            resolve_backend, task_obj.name, spec)
        runner: Any = RayExecutor(task_factory, factory, **(executor_options or {}))
        ident = runner.identity()
    else:
        backend_obj = spec if isinstance(spec, Backend) else resolve_backend(task_obj.name, spec)
        ident = backend_identity(backend_obj)
        ident.pop("backend")
    fingerprint = {**task_obj.fingerprint(), **ident, "input": str(source.path.resolve())}
    spec_record = _job_spec(task, source, output, fmt, backend, task_options, raw_csv)
    with open_job(store_path, fingerprint, restart=restart, output=output, total=total,
                  spec=spec_record) as store:
        if executor == "ray":
            summary = runner.run(task_obj, source.reports(), store, options, total=total)
        else:
            summary = run_job(task_obj, backend_obj, source.reports(), store, options,
                              total=total)
        writer(task_obj, store.records(), output)
    return summary
