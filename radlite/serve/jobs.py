"""Background extraction jobs of the server.

Key term: a *job folder* ``<data_dir>/jobs/<job_id>/`` holds ``job.json`` (task, state,
timestamps), ``input.csv`` (the uploaded reports), ``job.sqlite`` (the pipeline's
:class:`~radlite.pipeline.store.JobStore`) and ``review.sqlite`` (report texts and
reviews, see :mod:`radlite.serve.review_store`). An existing job store written by
``radlite extract`` can be imported: its job.json then points at that store.

Crash safety: job.json is replaced atomically, the job store commits every batch, and
the thread running a job holds an exclusive lock on ``<job folder>/.lock`` (released by
the operating system when the process dies). :meth:`JobManager.resume`, run when the
server starts, restarts every queued or running job whose lock is free: the runner skips
the reports already committed, so the resumed job ends with the records of an
uninterrupted run.
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
from typing import IO, Any

from radlite.core.errors import InputError, RadliteError
from radlite.core.io import atomic_writer, check_unique_ids, read_reports
from radlite.pipeline.store import JobStore
from radlite.serve.errors import ApiError
from radlite.serve.review_store import ReviewStore
from radlite.serve.runtime import Runtime

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process job lock
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
UNFINISHED = ("queued", "running")
MAX_STALLS = 3  # resumes in a row that committed nothing before the job is given up


def claim(folder: Path, name: str = ".lock") -> IO[bytes] | None:
    """Take the job folder's run lock (``name``: another lock file of the folder, e.g. the
    learn lock); None when another live process or thread holds it.

    The returned handle holds the lock until it is closed (or the process dies).
    """
    handle = open(folder / name, "ab")  # noqa: SIM115 - held open while the job runs
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
    return handle


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
        with self._lock:
            self._dump(folder, info)

    @staticmethod
    def _dump(folder: Path, info: dict[str, Any]) -> None:
        # atomic: a crash leaves the old or the new job.json, never half of one
        with atomic_writer(folder / "job.json", newline=None) as handle:
            json.dump(info, handle, indent=1)

    def _update(self, job_id: str, **changes: Any) -> dict[str, Any]:
        folder = self.root / job_id
        with self._lock:
            info = json.loads((folder / "job.json").read_text(encoding="utf-8"))
            info.update(changes)
            self._dump(folder, info)
        return info

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
        # the site's promoted model is resolved now and kept in job.json, so a resumed
        # job, its review and its learn use the artefact it started with
        options = self.runtime.learnt_options(task_name, dict(options or {}))
        task = self.runtime.task(task_name, **options)
        job_id, folder = self._new_folder()
        held = claim(folder)
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
            if held is not None:
                held.close()
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
            raise
        # job.json comes last: a folder without it is an upload the server did not finish
        # taking (a crash), which resume() skips and no listing shows
        info = {"id": job_id, "task": task_name, "options": options, "state": "queued",
                "created": time.time(), "total": total, "id_col": id_col,
                "text_col": text_col, "encoding": encoding, "source": source.name}
        self._write_info(folder, info)
        self._start(job_id, task, source, info, held)
        log.info("job %s started: task %s, %d reports", job_id, task_name, total)
        return self.describe(job_id)

    def _start(self, job_id: str, task: Any, source: Path, info: dict[str, Any],
               held: IO[bytes] | None) -> None:
        thread = threading.Thread(target=self._run, args=(job_id, task, source, info, held),
                                  name=f"radlite-job-{job_id}", daemon=True)
        self._threads[job_id] = thread
        thread.start()

    def _run(self, job_id: str, task: Any, source: Path, info: dict[str, Any],
             held: IO[bytes] | None = None) -> None:
        try:
            self._work(job_id, task, source, info)
        finally:
            if held is not None:
                held.close()

    def _work(self, job_id: str, task: Any, source: Path, info: dict[str, Any]) -> None:
        self._update(job_id, state="running", started=info.get("started") or time.time())
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

    def resume(self) -> int:
        """Restart the jobs a previous server process left queued or running (it was
        killed or crashed): each reruns over its own job store, where the runner skips
        every report already committed. job.json records ``resumed`` (how often),
        ``resumed_at`` and ``resumed_done`` (reports finished before it); a job whose
        restarts commit nothing :data:`MAX_STALLS` times in a row (a report that crashes
        the process) is marked failed instead. Done and failed jobs, imported stores, jobs another live process
        runs, unreadable job.json files and folders without one (a crash while an upload
        was being saved) are left alone with a log line. Returns the number resumed.
        """
        resumed = 0
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            try:
                resumed += self._resume_one(folder)
            except Exception as exc:  # noqa: BLE001 - one bad job must not stop the server
                log.error("job %s not resumed: %s", folder.name, type(exc).__name__)
        if resumed:  # a warning: it means the previous server process died mid-job
            log.warning("resumed %d job(s) a previous server process left unfinished", resumed)
        return resumed

    def _resume_one(self, folder: Path) -> int:
        job_id = folder.name
        if not JOB_ID.match(job_id) or job_id in self._threads:
            return 0
        if not (folder / "job.json").is_file():
            log.warning("job folder %s has no job.json (the server stopped while the upload "
                        "was being saved); skipped, upload the file again", job_id)
            return 0
        try:
            info = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("job %s: unreadable job.json (%s); skipped", job_id, type(exc).__name__)
            return 0
        if not isinstance(info, dict) or info.get("state") not in UNFINISHED \
                or info.get("store"):
            return 0
        held = claim(folder)
        if held is None:
            log.info("job %s is running in another process; not resumed", job_id)
            return 0
        try:
            for stale in folder.glob(".job.json.*.tmp"):  # left by a kill mid-write
                stale.unlink(missing_ok=True)
            source = folder / str(info.get("source") or "")
            if not info.get("source") or not source.is_file():
                raise InputError("its uploaded file is missing")
            task = self.runtime.task(info["task"], **(info.get("options") or {}))
            done = self._committed(folder / "job.sqlite")
            # a report that kills the process would otherwise crash the server on every start
            stalls = int(info.get("stalls", 0)) + 1 if done == info.get("resumed_done") else 0
            if stalls >= MAX_STALLS:
                raise InputError(f"the server stopped {stalls} times in a row while resuming "
                                 "this job, before it committed another report")
        except Exception as exc:  # noqa: BLE001 - the job records why it was not resumed
            held.close()
            reason = str(exc) if isinstance(exc, RadliteError) else type(exc).__name__
            log.error("job %s cannot be resumed: %s", job_id, reason)
            self._update(job_id, state="failed", error=f"not resumed after a restart: {reason}",
                         finished=time.time())
            return 0
        info = self._update(job_id, state="queued", resumed=int(info.get("resumed", 0)) + 1,
                            resumed_at=time.time(), resumed_done=done, stalls=stalls)
        self._start(job_id, task, source, info, held)
        log.info("job %s resumed with %d of %s reports finished", job_id, done, info.get("total"))
        return 1

    @staticmethod
    def _committed(path: Path) -> int:
        """Reports in a job store (0 when there is none yet)."""
        if not path.is_file():
            return 0
        with JobStore(path) as store:
            return sum(store.counts().values())

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
        jobs = []
        for job_id in ids:
            try:
                jobs.append(self.describe(job_id))
            except ValueError:  # a job.json not written by this server; resume() logs it
                continue
        return jobs

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job started by this process finishes (for tests and scripts)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
