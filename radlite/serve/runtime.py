"""Models and tasks loaded lazily, once per process, and shared by every request.

Key term: the *runtime* owns the loaded backends (one per task, because the builtin
model loads the task's shipped adapter) and a lock per backend, so that requests and
background jobs never run the same model concurrently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from radlite.backends.base import Backend, DelegatingBackend
from radlite.backends.null import NullBackend
from radlite.core.generation import GenerationRequest, GenerationResult
from radlite.core.types import Record, Report
from radlite.pipeline.extract import BackendSpec, resolve_backend
from radlite.pipeline.runner import RunOptions, run_job
from radlite.pipeline.store import JobStore
from radlite.serve.settings import ServeSettings
from radlite.tasks import Task, get_task, task_spec

log = logging.getLogger(__name__)
QUIET = RunOptions(progress=False)


class LockedBackend(DelegatingBackend):
    """Delegates to a shared backend, one ``generate`` call at a time."""

    def __init__(self, inner: Backend, lock: threading.Lock) -> None:
        super().__init__(inner)
        self.lock = lock

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        with self.lock:
            return self.inner.generate(requests)


class Runtime:
    """Lazily loaded tasks and backends of one server process."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._backends: dict[str, Backend] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def task(self, name: str, **options: Any) -> Task:
        """A task object with the defaults the served backend implies (e.g. the LI-RADS
        template); the reports' length limit is the server's."""
        defaults = task_spec(name).defaults(self._backend_name())
        return get_task(name, max_chars=self.settings.max_report_chars,
                        **{**defaults, **options})

    def _backend_name(self) -> str:
        backend = self.settings.backend
        return backend.name if backend is not None else self.settings.backend_name

    def backend(self, task_name: str) -> Backend:
        """The backend for ``task_name``, loaded on first use."""
        if self.settings.backend is not None:
            return self.settings.backend
        with self._guard:
            if task_name not in self._backends:
                log.info("loading backend %s for task %s", self.settings.backend_name, task_name)
                spec = BackendSpec(self.settings.backend_name, dict(self.settings.backend_options),
                                   self.settings.decoding)
                self._backends[task_name] = resolve_backend(task_name, spec)
            return self._backends[task_name]

    def locked(self, backend: Backend) -> Backend:
        """``backend`` behind its lock: batches from requests and jobs interleave."""
        with self._guard:
            lock = self._locks.setdefault(id(backend), threading.Lock())
        return LockedBackend(backend, lock)

    def run(self, task: Task, reports: Iterable[Report], store: JobStore,
            options: RunOptions = QUIET) -> None:
        """Run ``task`` over ``reports`` into ``store`` with the shared backend (no model
        is loaded for a task mode that calls none, e.g. abdct's ``rules``)."""
        backend = self.locked(self.backend(task.name)) if task.needs_model else NullBackend()
        run_job(task, backend, reports, store, options)

    def extract(self, task: Task, reports: list[Report]) -> list[Record]:
        """Records for a few reports, in input order (an in-memory job store)."""
        with JobStore(":memory:") as store:
            self.run(task, reports, store)
            return list(store.records())
