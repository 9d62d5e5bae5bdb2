"""Batched tasks under the job runner.

A *batched task* (``Task.batched``) turns a list of reports into records itself with
``Task.run_batch(backend, reports)``: it may ask several short questions per report
(abdct's staged pipeline, chest's per-mention checks) or none (their ``rules`` modes).
:func:`run_task_batch` calls it once per runner batch and returns one record per
report, so the local runner and the Ray workers commit its results to the job store
exactly as they do for one-request tasks:

- a ``BackendError`` (the backend is unusable) retries the whole batch up to
  ``retries`` times, then every report of the batch fails with the reason;
- any other exception (a report the task's code cannot handle) reruns the batch's
  reports one at a time, so only the reports that still raise fail, each with the
  exception as its reason;
- a report the task returned no record for fails with that reason.

A ``ConfigError`` (a wrong setting, e.g. a model mode without a model) stops the job.
The task's questions go through :class:`~radlite.backends.batching.BatchingBackend`
(length-sorted batches of ``Task.request_batch_size``, each failed question retried, a
question that still fails raises ``BackendError``), and every backend call and its tokens
are counted through :class:`CountingBackend`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from radlite.backends.base import Backend, DelegatingBackend
from radlite.backends.batching import BatchingBackend
from radlite.core.errors import BackendError, ConfigError
from radlite.core.generation import GenerationRequest, GenerationResult
from radlite.core.types import Record
from radlite.pipeline.items import BatchStats, Item
from radlite.tasks.base import Task

log = logging.getLogger(__name__)


class CountingBackend(DelegatingBackend):
    """Delegates to ``inner`` and counts its calls and tokens into ``stats``."""

    def __init__(self, inner: Backend, stats: BatchStats) -> None:
        super().__init__(inner)
        self.stats = stats

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        self.stats.calls += 1
        results = self.inner.generate(requests)
        for result in results:
            self.stats.prompt_tokens += result.prompt_tokens
            self.stats.completion_tokens += result.completion_tokens
        return results


def _failed(task: Task, items: Sequence[Item], reason: str) -> list[Record]:
    return [Record.failed(item.report.id, task.name, reason) for item in items]


def _records(task: Task, backend: Backend, items: Sequence[Item], retries: int,
             stats: BatchStats) -> list[Record | None]:
    """``task.run_batch`` on ``items`` with the failure rules of this module."""
    reports = [item.report for item in items]
    for attempt in range(max(0, retries) + 1):
        try:
            by_id = {r.id: r for r in task.run_batch(backend, reports)}
            return [by_id.get(report.id) for report in reports]
        except ConfigError:
            raise
        except BackendError as exc:
            stats.backend_errors += 1
            reason = f"backend error after {attempt + 1} attempts: {exc}"
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop the job
            if len(items) > 1:
                log.warning("task %s failed on a batch (%s); rerunning its %d reports "
                            "one at a time", task.name, exc, len(items))
                return [rec for item in items for rec in _records(task, backend, [item],
                                                                  retries, stats)]
            log.warning("task %s failed on report %s", task.name, items[0].report.id,
                        exc_info=True)
            return _failed(task, items, f"task error: {type(exc).__name__}: {exc}")
    return _failed(task, items, reason)


def run_task_batch(task: Task, backend: Backend, items: Sequence[Item], retries: int,
                   stats: BatchStats, provenance: dict[str, Any]) -> list[tuple[int, Record]]:
    """Run a batched task on ``items``; one ``(input position, record)`` per item.

    Args:
        task: a task with ``batched = True``.
        backend: the model; ``task.run_batch`` gets it batched and counted into ``stats``.
        items: the reports of this batch with their input positions.
        retries: extra attempts of a failed question, and of the whole batch after a
            ``BackendError``.
        stats: backend usage counters to update.
        provenance: merged into every record's provenance (the record's own keys win).

    Raises:
        ConfigError: the task refuses its settings (e.g. a model mode without a model).
    """
    batched = BatchingBackend(CountingBackend(backend, stats), task.request_batch_size, retries)
    records = _records(task, batched, items, retries, stats)
    out: list[tuple[int, Record]] = []
    for item, record in zip(items, records, strict=True):
        if record is None:
            record = Record.failed(item.report.id, task.name,
                                   "task error: the task returned no record for this report")
        record.provenance = {**provenance, **record.provenance}
        out.append((item.seq, record))
    return out
