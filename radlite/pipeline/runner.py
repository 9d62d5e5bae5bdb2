"""The batch runner.

Reports stream in; each is checked, prompted, generated, parsed and validated (see
:mod:`radlite.pipeline.batching`). Every backend call's finished records are committed to
the job store in one transaction, so a killed process loses at most the reports in
flight and a rerun skips what is done. Reports are batched by length: a window of
several batches is sorted by size so similar lengths pad together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from radlite.backends.base import Backend
from radlite.core.types import Record, Report
from radlite.pipeline.batching import (
    BatchProcessor,
    BatchStats,
    Item,
    batch_size_for,
    length_batches,
    windows,
)
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
        progress: show a progress bar (rate and ETA) on stderr.
        max_batch_chars: optional cap on ``batch size x longest report`` in UTF-8 bytes,
            so batches of long reports shrink (dynamic batching by length).
    """

    batch_size: int | None = None
    retries: int = 2
    window: int = 4
    retry_failed: bool = False
    progress: bool = True
    max_batch_chars: int | None = None


@dataclass
class RunSummary:
    """What a run did."""

    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failure_reasons: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    backend_calls: int = 0

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

    def add_stats(self, stats: BatchStats) -> None:
        """Copy backend usage counters into the summary."""
        self.prompt_tokens = stats.prompt_tokens
        self.completion_tokens = stats.completion_tokens
        self.backend_calls = stats.calls


def _reason_key(reason: str) -> str:
    return reason.split(":")[0][:60]


class Committer:
    """Commits finished records to the store, counts them and moves the progress bar."""

    def __init__(self, store: JobStore, summary: RunSummary, bar: Any,
                 on_record: Callable[[Record], None] | None = None) -> None:
        self.store, self.summary, self.bar, self.on_record = store, summary, bar, on_record
        self.started = time.perf_counter()

    def __call__(self, pairs: list[tuple[int, Record]]) -> None:
        """Commit ``(input position, record)`` pairs in one transaction."""
        if not pairs:
            return
        for _, record in pairs:
            if record.status == "ok":
                self.summary.done += 1
            else:
                self.summary.failed += 1
                key = _reason_key(record.error or "")
                self.summary.failure_reasons[key] = self.summary.failure_reasons.get(key, 0) + 1
        self.store.put(pairs)
        self.bar.update(len(pairs))
        self.bar.set_postfix(failed=self.summary.failed, refresh=False)
        self.summary.seconds = time.perf_counter() - self.started
        if self.on_record:
            for _, record in pairs:
                self.on_record(record)


def pending_items(task: Task, reports: Iterable[Report], skip: set[str],
                  commit: Committer, provenance: dict[str, Any]) -> Iterator[Item]:
    """Reports still to do: skips finished ids and commits invalid reports as failures."""
    for seq, report in enumerate(reports):
        commit.summary.total += 1
        if report.id in skip:
            commit.summary.skipped += 1
            commit.bar.update(1)
            continue
        problem = task.check_report(report)
        if problem:
            record = Record.failed(report.id, task.name, problem)
            record.provenance = dict(provenance)
            commit([(seq, record)])
            continue
        yield Item(seq, report)


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
    ``options.retry_failed``). A batched task (``task.batched``) gets each batch in one
    ``task.run_batch`` call; its records are committed the same way. Returns a summary
    of this run.
    """
    options = options or RunOptions()
    processor = BatchProcessor(task, backend, options.retries)
    batch_size = batch_size_for(task, backend, options.batch_size)
    summary = RunSummary()
    bar = progress_bar(total, options.progress)
    commit = Committer(store, summary, bar, on_record)
    skip = store.done_ids(include_failed=not options.retry_failed)
    todo = pending_items(task, reports, skip, commit, processor.provenance)
    try:
        for chunk in windows(todo, batch_size * max(1, options.window)):
            for batch in length_batches(chunk, batch_size, options.window > 1,
                                        options.max_batch_chars):
                for finished in processor.run(batch):
                    commit(finished)
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - commit.started
    summary.add_stats(processor.stats)
    return summary


def progress_bar(total: int | None, enabled: bool) -> Any:
    """A tqdm bar on stderr showing reports done, rate and ETA."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", dynamic_ncols=True,
                desc="radlite", leave=True, smoothing=0.1)
