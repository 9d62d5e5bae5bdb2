"""Background extraction jobs of the server.

Key term: a *job folder* ``<data_dir>/jobs/<job_id>/`` holds ``job.json`` (task, state,
timestamps), ``input.csv`` (the uploaded reports), ``job.sqlite`` (the pipeline's
:class:`~radlite.pipeline.store.JobStore`) and ``review.sqlite`` (report texts and
reviews, see :mod:`radlite.serve.review_store`). An existing job store written by
``radlite extract`` can be imported: its job.json then points at that store.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radlite.core.errors import InputError, RadliteError
from radlite.core.io import atomic_writer, check_unique_ids, read_reports
from radlite.pipeline.store import JobStore
from radlite.serve.errors import ApiError
from radlite.serve.review_store import ReviewStore
from radlite.serve.runtime import Runtime

log = logging.getLogger(__name__)
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class JobPaths:
    """The files of one job."""

    folder: Path
    info: Path
    store: Path
    review: Path


class JobManager:
    """Creates, runs, lists and locates jobs under ``data_dir/jobs``."""

    def __init__(self, data_dir: Path, runtime: Runtime) -> None:
        self.root = Path(data_dir) / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self.runtime = runtime
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def paths(self, job_id: str) -> JobPaths:
        """The files of ``job_id``.

        Raises:
            ApiError: 404 when the id is malformed or there is no such job.
        """
        folder = self.root / job_id
        if not JOB_ID.match(job_id) or not (folder / "job.json").is_file():
            raise ApiError(404, "not_found", f"no job {job_id!r}")
        info = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        store = Path(info.get("store") or folder / "job.sqlite")
        return JobPaths(folder, folder / "job.json", store, folder / "review.sqlite")

    def _write_info(self, folder: Path, info: dict[str, Any]) -> None:
        with self._lock, atomic_writer(folder / "job.json", newline=None) as handle:
            json.dump(info, handle, indent=1)

    def _update(self, job_id: str, **changes: Any) -> None:
        folder = self.root / job_id
        info = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        info.update(changes)
        self._write_info(folder, info)

    def _new_folder(self) -> tuple[str, Path]:
        job_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        folder = self.root / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def create(self, task_name: str, data: bytes, id_col: str = "id", text_col: str = "report",
               encoding: str = "utf-8", options: dict[str, Any] | None = None
               ) -> dict[str, Any]:
        """Save an uploaded CSV/JSONL, register its reports and start extracting in the
        background. ``options`` are task options (e.g. ``{"labels": "chestxray14"}``); they
        are kept with the job, so its review rebuilds the same task.

        Raises:
            InputError: unreadable file, missing columns, duplicate ids, no reports.
            ConfigError: options the task does not take.
        """
        options = dict(options or {})
        task = self.runtime.task(task_name, **options)
        job_id, folder = self._new_folder()
        suffix = ".jsonl" if data.lstrip()[:1] == b"{" else ".csv"
        source = folder / f"input{suffix}"
        source.write_bytes(data)
        try:
            total = check_unique_ids(read_reports(source, id_col, text_col, encoding))
            if total == 0:
                raise InputError("the uploaded file has no reports")
            with ReviewStore(folder / "review.sqlite") as review:
                review.add_reports((r.id, r.text)
                                   for r in read_reports(source, id_col, text_col, encoding))
        except RadliteError:
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
            raise
        info = {"id": job_id, "task": task_name, "options": options, "state": "queued",
                "created": time.time(), "total": total, "id_col": id_col, "text_col": text_col, "encoding": encoding,
                "source": source.name}
        self._write_info(folder, info)
        thread = threading.Thread(target=self._run, args=(job_id, task, source, info),
                                  name=f"radlite-job-{job_id}", daemon=True)
        self._threads[job_id] = thread
        thread.start()
        log.info("job %s started: task %s, %d reports", job_id, task_name, total)
        return self.describe(job_id)

    def _run(self, job_id: str, task: Any, source: Path, info: dict[str, Any]) -> None:
        self._update(job_id, state="running", started=time.time())
        try:
            reports = read_reports(source, info["id_col"], info["text_col"], info["encoding"])
            with JobStore(self.root / job_id / "job.sqlite") as store:
                store.set_meta("total", str(info["total"]))
                self.runtime.run(task, reports, store)
        except Exception as exc:  # noqa: BLE001 - the job records why it stopped
            # SQLite's messages name the database condition ("database is locked"), never
            # report text, so they are kept; other exceptions are logged by type only.
            if isinstance(exc, RadliteError):
                message = str(exc)
            elif isinstance(exc, sqlite3.Error):
                message = f"{type(exc).__name__}: {exc}"
            else:
                message = type(exc).__name__
            log.error("job %s failed: %s", job_id, message)
            self._update(job_id, state="failed", error=message, finished=time.time())
            return
        self._update(job_id, state="done", finished=time.time())
        log.info("job %s done", job_id)

    def import_store(self, store_path: Path, reports_path: Path, id_col: str = "id",
                     text_col: str = "report", encoding: str = "utf-8") -> dict[str, Any]:
        """Register a job store written by ``radlite extract`` so that it can be reviewed."""
        if not Path(store_path).is_file():
            raise InputError(f"{store_path}: no such job store")
        with JobStore(store_path) as store:
            fingerprint = json.loads(store.meta().get("fingerprint", "{}"))
            total = sum(store.counts().values())
        job_id, folder = self._new_folder()
        with ReviewStore(folder / "review.sqlite") as review:
            review.add_reports((r.id, r.text)
                               for r in read_reports(reports_path, id_col, text_col, encoding))
        info = {"id": job_id, "task": fingerprint.get("task", "lirads"), "state": "done",
                "created": time.time(), "total": total, "store": str(Path(store_path).resolve())}
        self._write_info(folder, info)
        return self.describe(job_id)

    def describe(self, job_id: str) -> dict[str, Any]:
        """The job's info with progress counts from its job store."""
        paths = self.paths(job_id)
        info = json.loads(paths.info.read_text(encoding="utf-8"))
        counts: dict[str, int] = {}
        if paths.store.is_file():
            try:
                with JobStore(paths.store) as store:
                    counts = store.counts()
            except sqlite3.OperationalError as exc:
                # The worker is creating the store (switching it to WAL) at this moment:
                # a status poll reports no progress yet instead of failing with a 500.
                log.debug("job %s: store busy (%s); counts not read", job_id, exc)
        info.pop("store", None)
        info.update(done=counts.get("ok", 0), failed=counts.get("failed", 0))
        return info

    def list(self) -> list[dict[str, Any]]:
        """Every job, newest first."""
        ids = sorted((p.name for p in self.root.iterdir() if (p / "job.json").is_file()),
                     reverse=True)
        return [self.describe(job_id) for job_id in ids]

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job started by this process finishes (for tests and scripts)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
