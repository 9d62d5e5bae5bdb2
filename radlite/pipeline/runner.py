"""The batch runner.

Reports stream in; each is checked, prompted, generated, parsed and validated. A bad
model answer is retried up to ``retries`` times (sampling on retries); after that the
report is stored as an explicit failure with the reason. Reports are batched by length
(a window of several batches is sorted by prompt size so similar lengths pad together).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from radlite.backends.base import Backend
from radlite.core.errors import BackendError, SchemaError
from radlite.core.generation import GenerationResult
from radlite.core.types import Record, Report
from radlite.pipeline.store import JobStore
from radlite.tasks.base import Task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """How to run a job.

    Attributes:
        batch_size: requests per backend call (default: the backend's own preference).
        retries: extra attempts for a report whose answer did not parse or validate.
        window: batches sorted together by length (1 keeps input order).
        retry_failed: also redo reports that failed in an earlier run of this job.
        progress: show a progress bar on stderr.
    """

    batch_size: int | None = None
    retries: int = 2
    window: int = 4
    retry_failed: bool = False
    progress: bool = True


@dataclass
class RunSummary:
    """What a run did."""

    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failure_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def reports_per_second(self) -> float:
        """Throughput of the reports processed in this run."""
        processed = self.done + self.failed
        return processed / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One-line human summary."""
        return (
            f"{self.done} done, {self.failed} failed, {self.skipped} already finished "
            f"(of {self.total}); {self.reports_per_second:.2f} reports/s"
        )


@dataclass
class _Item:
    seq: int
    report: Report
    attempt: int = 0
    last_error: str = ""


def _reason_key(reason: str) -> str:
    return reason.split(":")[0][:60]


class _Runner:
    def __init__(self, task: Task, backend: Backend, store: JobStore, options: RunOptions,
                 on_record: Callable[[Record], None] | None) -> None:
        self.task, self.backend, self.store, self.options = task, backend, store, options
        self.batch_size = max(1, options.batch_size or backend.capabilities.max_batch_size)
        self.provenance: dict[str, Any] = {
            **task.provenance(), "model_id": backend.model_id,
            "adapter_hash": backend.adapter_hash, "backend": backend.name,
        }
        self.summary = RunSummary()
        self.on_record = on_record

    def _finish(self, pairs: list[tuple[int, Record]]) -> None:
        for _, record in pairs:
            record.provenance = {**self.provenance, **record.provenance}
            if record.status == "ok":
                self.summary.done += 1
            else:
                self.summary.failed += 1
                key = _reason_key(record.error or "")
                self.summary.failure_reasons[key] = self.summary.failure_reasons.get(key, 0) + 1
        self.store.put(pairs)
        if self.on_record:
            for _, record in pairs:
                self.on_record(record)

    def _generate(self, items: list[_Item]) -> list[GenerationResult]:
        requests = [self.task.build_request(i.report, attempt=i.attempt) for i in items]
        try:
            return self.backend.generate(requests)
        except BackendError as exc:
            return [GenerationResult(error=f"backend error: {exc}") for _ in items]

    def process(self, items: list[_Item]) -> None:
        """Run one batch to completion, retrying bad answers within the bound."""
        pending = items
        while pending:
            results = self._generate(pending)
            finished: list[tuple[int, Record]] = []
            again: list[_Item] = []
            for item, result in zip(pending, results, strict=True):
                record = self._to_record(item, result)
                if record is not None:
                    finished.append((item.seq, record))
                elif item.attempt < self.options.retries:
                    item.attempt += 1
                    again.append(item)
                else:
                    reason = (f"no valid answer after {item.attempt + 1} attempts: "
                              f"{item.last_error}")
                    finished.append((item.seq, Record.failed(item.report.id, self.task.name,
                                                             reason)))
            self._finish(finished)
            pending = again

    def _to_record(self, item: _Item, result: GenerationResult) -> Record | None:
        if not result.ok:
            item.last_error = result.error or "backend error"
            return None
        try:
            record = self.task.parse(item.report, result.text)
        except SchemaError as exc:
            item.last_error = f"invalid answer ({exc})"
            return None
        record.extra.setdefault("attempts", item.attempt + 1)
        return record


def _windows(items: Iterator[_Item], size: int) -> Iterator[list[_Item]]:
    while True:
        chunk = list(islice(items, size))
        if not chunk:
            return
        yield chunk


def run_job(
    task: Task,
    backend: Backend,
    reports: Iterable[Report],
    store: JobStore,
    options: RunOptions | None = None,
    total: int | None = None,
    on_record: Callable[[Record], None] | None = None,
) -> RunSummary:
    """Process ``reports`` with ``task`` on ``backend``, committing each batch to ``store``.

    Reports already in the store are skipped (failed ones too, unless
    ``options.retry_failed``). Returns a summary of this run.
    """
    options = options or RunOptions()
    runner = _Runner(task, backend, store, options, on_record)
    skip = store.done_ids(include_failed=not options.retry_failed)
    started = time.perf_counter()
    bar = _progress(total, options.progress)

    def todo() -> Iterator[_Item]:
        for seq, report in enumerate(reports):
            runner.summary.total += 1
            if report.id in skip:
                runner.summary.skipped += 1
                bar.update(1)
                continue
            problem = task.check_report(report)
            if problem:
                runner._finish([(seq, Record.failed(report.id, task.name, problem))])
                bar.update(1)
                continue
            yield _Item(seq, report)

    window = runner.batch_size * max(1, options.window)
    for chunk in _windows(todo(), window):
        if options.window > 1:
            chunk.sort(key=lambda i: len(i.report.text))
        for start in range(0, len(chunk), runner.batch_size):
            batch = chunk[start:start + runner.batch_size]
            runner.process(batch)
            bar.update(len(batch))
            runner.summary.seconds = time.perf_counter() - started
            bar.set_postfix(failed=runner.summary.failed, refresh=False)
    bar.close()
    runner.summary.seconds = time.perf_counter() - started
    return runner.summary


def _progress(total: int | None, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", dynamic_ncols=True,
                desc="radlite", leave=True)
