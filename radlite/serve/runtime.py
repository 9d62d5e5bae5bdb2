"""Models and tasks loaded lazily, once per process, and shared by every request.

Key terms: the *runtime* owns the loaded backends (one per task, because the builtin
model loads the task's shipped adapter), one *model thread* that runs every model call
and model load (:mod:`radlite.serve.model_thread`), so that requests and background jobs
never run a model concurrently, and a *micro-batcher* per model
task (:mod:`radlite.serve.batcher`), so that concurrent single-report requests share
model calls.

Sharing policy: every model call (a job's batch or a batch of requests) runs on the model
thread in arrival order (FIFO). A job never holds the model for more than one
batch, so a request waits at most for the batch in progress plus the batches queued
before it, and a job keeps moving while requests keep arriving.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from radlite.backends.base import Backend
from radlite.backends.null import NullBackend
from radlite.core.types import Record, Report
from radlite.pipeline.extract import BackendSpec, resolve_backend
from radlite.pipeline.runner import RunOptions, run_job
from radlite.pipeline.store import JobStore
from radlite.serve.batcher import MicroBatcher
from radlite.serve.model_thread import ModelThread, ThreadedBackend
from radlite.serve.settings import ServeSettings
from radlite.tasks import Task, get_task, task_spec

log = logging.getLogger(__name__)
QUIET = RunOptions(progress=False)


class Runtime:
    """Lazily loaded tasks and backends of one server process."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._backends: dict[str, Backend] = {}
        self._model_thread: ModelThread | None = None
        self._batchers: dict[str, MicroBatcher] = {}
        self._guard = threading.Lock()
        self._thread_guard = threading.Lock()

    def task(self, name: str, reader: str | None = None, **options: Any) -> Task:
        """A task object with the defaults the served backend implies (e.g. the LI-RADS
        template) and the site's (or ``reader``'s) promoted model from the registry
        (:meth:`learnt_options`); the reports' length limit is the server's."""
        return get_task(name, max_chars=self.settings.max_report_chars,
                        **self.learnt_options(name, options, reader))

    def learnt_options(self, name: str, options: dict[str, Any], reader: str | None = None
                       ) -> dict[str, Any]:
        """``options`` over the served defaults, with the artefact the registry resolves
        for the server's site and ``reader`` (their model, else the site's, else none);
        options given explicitly win (a job keeps the artefact it started with).

        Raises:
            InputError: a malformed reader id.
        """
        from radlite.learn.resolve import site_task_options

        merged = {**task_spec(name).defaults(self._backend_name()), **options}
        return site_task_options(task_spec(name).name, merged, self.settings.site, reader,
                                 self.settings.registry_dir)[0]

    def _backend_name(self) -> str:
        backend = self.settings.backend
        return backend.name if backend is not None else self.settings.backend_name

    def backend_options(self, task_name: str) -> dict[str, Any]:
        """The served backend's options for ``task_name``: with the site's promoted model
        adapter (a ``lora`` entry of the registry, learnt by "Train on these reviews")
        unless the server was started with an explicit ``adapter``."""
        from radlite.learn.resolve import site_adapter

        options = dict(self.settings.backend_options)
        if not options.get("adapter"):
            adapter = site_adapter(task_name, self.settings.site, None,
                                   self.settings.registry_dir)
            if adapter:
                options["adapter"] = adapter
        return options

    def backend(self, task_name: str) -> Backend:
        """The backend for ``task_name``, loaded on first use, and loaded again (the old
        one dropped) when the site's promoted adapter changes."""
        if self.settings.backend is not None:
            return self.settings.backend
        options = self.backend_options(task_name)
        key = json.dumps([task_name, options.get("adapter")], default=str)
        with self._guard:
            if key not in self._backends:
                for old in [k for k in self._backends if json.loads(k)[0] == task_name]:
                    del self._backends[old]
                log.info("loading backend %s for task %s", self.settings.backend_name, task_name)
                spec = BackendSpec(self.settings.backend_name, options, self.settings.decoding)
                # loaded on the model thread too: the load's torch threads are its team
                self._backends[key] = self.model_thread().call(resolve_backend, task_name, spec)
            return self._backends[key]

    def model_thread(self) -> ModelThread:
        """The thread that runs every model call and load of this process."""
        with self._thread_guard:
            if self._model_thread is None:
                self._model_thread = ModelThread()
            return self._model_thread

    def locked(self, backend: Backend) -> Backend:
        """``backend`` with its calls on the model thread, in arrival order: batches from
        requests and jobs interleave."""
        return ThreadedBackend(backend, self.model_thread())

    def run(self, task: Task, reports: Iterable[Report], store: JobStore,
            options: RunOptions = QUIET) -> None:
        """Run ``task`` over ``reports`` into ``store`` with the shared backend (no model
        is loaded for a task mode that calls none, e.g. abdct's ``rules``)."""
        backend = self.locked(self.backend(task.name)) if task.needs_model else NullBackend()
        if options.batch_size is None:  # one model call never holds more than max_batch
            options = replace(options, batch_size=self.settings.max_batch)
        run_job(task, backend, reports, store, options)

    def extract(self, task: Task, reports: list[Report]) -> list[Record]:
        """Records for a few reports, in input order (an in-memory job store)."""
        with JobStore(":memory:") as store:
            self.run(task, reports, store)
            return list(store.records())

    def batcher(self, task: Task) -> MicroBatcher:
        """The micro-batcher of ``task`` (one per task and options), started on first use."""
        key = json.dumps(task.fingerprint(), sort_keys=True, default=str)
        with self._guard:
            if key not in self._batchers:
                self._batchers[key] = MicroBatcher(
                    lambda reports: self.extract(task, reports),
                    max_wait_s=self.settings.batch_wait_ms / 1000.0,
                    max_batch=self.settings.max_batch, max_queue=self.settings.max_queue,
                    name=task.name)
            return self._batchers[key]

    def close(self) -> None:
        """Stop the batchers (waiting requests are cancelled) and the model thread."""
        with self._guard:
            batchers, self._batchers = list(self._batchers.values()), {}
        for batcher in batchers:
            batcher.close()
        with self._thread_guard:
            thread, self._model_thread = self._model_thread, None
        if thread is not None:
            thread.close()
