"""Learn jobs of the server: "Train on these reviews" runs a learn cycle in the background.

Key terms: a *learn* is one call of ``learn_from_job`` (:func:`load_cycle`) on one job
folder, in a thread of its own. Its *record* ``<job folder>/learn-<learn_id>.json``
(replaced atomically) holds ``state`` (``queued``, ``running``, ``done``, ``failed``),
``stage`` and ``fraction`` (the cycle's progress), ``result`` (``LearnResult.to_dict()``)
and ``error``.

One learn per job at a time: the thread holds an exclusive lock on ``<job
folder>/.learn.lock`` (released by the operating system when the process dies), so a
second start, from this process or another, gets 409. A record left ``queued`` or
``running`` whose job lock is free belongs to a server process that died: it is reported,
and rewritten, as ``failed`` with the error ``server restarted`` (on start-up by
:meth:`LearnManager.recover`, and whenever such a record is read).

Errors: a :class:`~radlite.core.errors.RadliteError` of the cycle (e.g. too few reviewed
reports) is the record's ``error`` as it is; any other exception is logged by type only
and recorded as ``internal error``, so that no report text reaches the logs or the record.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from radlite.core.errors import RadliteError
from radlite.core.io import atomic_writer
from radlite.serve.errors import ApiError
from radlite.serve.jobs import UNFINISHED, JobManager, claim
from radlite.serve.settings import ServeSettings

log = logging.getLogger(__name__)
LEARN_ID = re.compile(r"^[0-9a-f]{12}$")
LOCK = ".learn.lock"
RESTARTED = "server restarted"
INTERNAL = "internal error"
SAVE_EVERY_S = 1.0  # progress reaches the record file at most this often
PUBLIC = ("learn_id", "job_id", "state", "stage", "fraction", "result", "error", "reader",
          "holdout", "folds", "created", "started", "finished")


def record_path(folder: Path, learn_id: str) -> Path:
    """The record file of ``learn_id`` in a job folder."""
    return folder / f"learn-{learn_id}.json"


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The API form of a learn record."""
    return {key: record.get(key) for key in PUBLIC}


def _plain(value: Any) -> Any:
    """JSON fallback for result values: numpy scalars as numbers, anything else as text."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    return str(value)


def result_dict(result: Any) -> dict[str, Any]:
    """``result.to_dict()`` (or a plain dict) as JSON-ready data."""
    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    return json.loads(json.dumps(data, default=_plain))


def load_cycle() -> Callable[..., Any]:
    """:func:`radlite.serve.review_data.learn_from_job`, imported on first use (in the
    learn thread, so the learn modules load only when a learn starts)."""
    from radlite.serve.review_data import learn_from_job

    return learn_from_job


class LearnManager:
    """Starts learn jobs, tracks their progress and reads their records back."""

    def __init__(self, jobs: JobManager, settings: ServeSettings) -> None:
        self.jobs = jobs
        self.settings = settings
        self._live: dict[str, dict[str, Any]] = {}  # learn id -> record, running here
        self._by_job: dict[str, str] = {}  # job id -> learn id running here
        self._threads: dict[str, threading.Thread] = {}
        self._saved: dict[str, float] = {}
        self._lock = threading.Lock()

    # ---- starting and running -------------------------------------------------------

    def train_settings(self) -> dict[str, Any]:
        """SFT settings for a learn that trains the model adapter (LI-RADS): the served
        model, so a server on a local model (e.g. 8B on a GPU) learns that model's
        adapter; the embedded model otherwise."""
        options = self.settings.backend_options
        if self.settings.backend_name == "transformers" and options.get("model"):
            return {"model": str(options["model"]),
                    "device": str(options.get("device") or "auto")}
        return {}

    def start(self, job_id: str, reader: str | None = None, holdout: float = 0.3,
              folds: int | None = None) -> dict[str, Any]:
        """Start learning from ``job_id``'s reviews in the background.

        Raises:
            ApiError: 404 unknown job; 409 while the job is still extracting or another
                learn of the job runs.
        """
        folder = self.jobs.paths(job_id).folder
        if self.jobs.describe(job_id).get("state") in UNFINISHED:
            raise ApiError(409, "not_ready", f"job {job_id!r} is still extracting; "
                                             "train on its reviews when it is done")
        with self._lock:
            running = self._by_job.get(job_id)
            held = None if running else claim(folder, LOCK)
            if held is None:
                which = f" ({running})" if running else ""
                raise ApiError(409, "conflict", f"a learn of job {job_id!r} is already "
                                                f"running{which}; wait until it ends")
            learn_id = uuid.uuid4().hex[:12]
            record = {"learn_id": learn_id, "job_id": job_id, "state": "queued",
                      "stage": "queued", "fraction": 0.0, "result": None, "error": None,
                      "reader": reader, "holdout": holdout, "folds": folds,
                      "created": time.time(),
                      "started": None, "finished": None}
            try:
                self._write(folder, record)
            except OSError:
                held.close()
                raise
            self._live[learn_id] = record
            self._by_job[job_id] = learn_id
        thread = threading.Thread(target=self._run, args=(learn_id, folder, held),
                                  name=f"radlite-learn-{learn_id}", daemon=True)
        self._threads[learn_id] = thread
        thread.start()
        log.info("learn %s of job %s started", learn_id, job_id)
        return {"learn_id": learn_id, "state": "queued"}

    def _run(self, learn_id: str, folder: Path, held: IO[bytes]) -> None:
        record = self._live[learn_id]
        try:
            self._change(learn_id, folder, state="running", stage="starting",
                         started=time.time())
            learn_from_job = load_cycle()
            result = learn_from_job(folder, registry=self.settings.registry_dir,
                                    site=self.settings.site, reader=record["reader"],
                                    holdout=record["holdout"], promote="auto",
                                    folds=record.get("folds"),
                                    train=self.train_settings(),
                                    progress=lambda stage, fraction: self._progress(
                                        learn_id, folder, stage, fraction))
            self._change(learn_id, folder, state="done", stage="done", fraction=1.0,
                         result=result_dict(result), finished=time.time())
            log.info("learn %s done", learn_id)
        except Exception as exc:  # noqa: BLE001 - the record says why the learn stopped
            if isinstance(exc, RadliteError):
                message = str(exc)
                log.warning("learn %s failed: %s", learn_id, type(exc).__name__)
            else:
                message = INTERNAL
                log.error("learn %s failed: %s", learn_id, type(exc).__name__)
            try:
                self._change(learn_id, folder, state="failed", error=message,
                             finished=time.time())
            except Exception as again:  # noqa: BLE001 - the restart rule reports it later
                log.error("learn %s: record not written (%s)", learn_id, type(again).__name__)
        finally:
            with self._lock:
                self._live.pop(learn_id, None)
                self._saved.pop(learn_id, None)
                if self._by_job.get(record["job_id"]) == learn_id:
                    del self._by_job[record["job_id"]]
                held.close()

    def _change(self, learn_id: str, folder: Path, **changes: Any) -> None:
        with self._lock:
            record = self._live[learn_id]
            record.update(changes)
            self._write(folder, record)
            self._saved[learn_id] = time.monotonic()

    def _progress(self, learn_id: str, folder: Path, stage: str, fraction: float) -> None:
        """The cycle's progress callback: never raises into the cycle."""
        try:
            value = min(1.0, max(0.0, float(fraction)))
        except (TypeError, ValueError):
            value = 0.0
        with self._lock:
            record = self._live.get(learn_id)
            if record is None:
                return
            record.update(stage=str(stage)[:200], fraction=value)
            if time.monotonic() - self._saved.get(learn_id, 0.0) < SAVE_EVERY_S:
                return
            try:
                self._write(folder, record)
                self._saved[learn_id] = time.monotonic()
            except OSError as exc:
                log.warning("learn %s: progress not saved (%s)", learn_id, type(exc).__name__)

    @staticmethod
    def _write(folder: Path, record: dict[str, Any]) -> None:
        with atomic_writer(record_path(folder, record["learn_id"]), newline=None) as handle:
            json.dump(record, handle, indent=1)

    # ---- reading ----------------------------------------------------------------------

    def get(self, learn_id: str) -> dict[str, Any]:
        """The state of one learn (a dead server's unfinished learn reads as failed).

        Raises:
            ApiError: 404 for an unknown or malformed id.
        """
        if not LEARN_ID.match(learn_id):
            raise ApiError(404, "not_found", f"no learn {learn_id!r}")
        with self._lock:
            live = self._live.get(learn_id)
            if live is not None:
                return public(live)
        found = sorted(self.jobs.root.glob(f"*/learn-{learn_id}.json"))
        if not found:
            raise ApiError(404, "not_found", f"no learn {learn_id!r}")
        return public(self._load(found[0]))

    def for_job(self, job_id: str) -> list[dict[str, Any]]:
        """Every learn of a job, newest first.

        Raises:
            ApiError: 404 for an unknown job.
        """
        folder = self.jobs.paths(job_id).folder
        records = []
        for path in folder.glob("learn-*.json"):
            learn_id = path.stem.removeprefix("learn-")
            with self._lock:
                live = self._live.get(learn_id)
                if live is not None:
                    records.append(dict(live))
                    continue
            try:
                records.append(self._load(path))
            except (OSError, ValueError) as exc:
                log.warning("learn record %s unreadable (%s)", path.name, type(exc).__name__)
        records.sort(key=lambda r: r.get("created") or 0.0, reverse=True)
        return [public(r) for r in records]

    def _load(self, path: Path) -> dict[str, Any]:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("state") in UNFINISHED:
            record = self._orphaned(path, record)
        return record

    def _orphaned(self, path: Path, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` as failed ("server restarted") when no live process runs it."""
        folder, learn_id = path.parent, record.get("learn_id")
        with self._lock:
            if learn_id in self._live:
                return dict(self._live[learn_id])
            if folder.name in self._by_job:  # another learn of the job runs here
                held = None
            else:
                held = claim(folder, LOCK)
                if held is None:  # another live server process runs it
                    return record
            try:
                record = {**record, "state": "failed", "error": RESTARTED,
                          "finished": record.get("finished") or time.time()}
                self._write(folder, record)
            finally:
                if held is not None:
                    held.close()
        log.warning("learn %s of job %s: left unfinished by a stopped server; marked failed",
                    learn_id, folder.name)
        return record

    def recover(self) -> int:
        """Mark the learns a previous server process left unfinished as failed (run when
        the server starts); returns how many."""
        count = 0
        for path in sorted(self.jobs.root.glob("*/learn-*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                if record.get("state") in UNFINISHED:
                    count += self._orphaned(path, record).get("state") == "failed"
            except (OSError, ValueError) as exc:
                log.warning("learn record %s unreadable (%s)", path.name, type(exc).__name__)
        return count

    def wait(self, learn_id: str, timeout: float | None = None) -> None:
        """Block until a learn started by this process ends (for tests and scripts)."""
        thread = self._threads.get(learn_id)
        if thread is not None:
            thread.join(timeout)
