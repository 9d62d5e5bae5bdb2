"""Batch processing shared by the local runner and the Ray workers.

A *batch processor* turns a list of ``(input position, report)`` pairs into finished
records: it builds the task's requests, calls the backend, parses and validates, and
retries a bad answer up to ``retries`` times (sampling on retries). After the last
attempt the report becomes an explicit failure with the reason. It never touches the
job store, so the same code runs in the driver and in remote workers. A batched task
(``Task.batched``) gets each batch in one ``Task.run_batch`` call instead
(:mod:`radlite.pipeline.task_batches`).

*Length batching*: :func:`length_batches` sorts a window of reports by length and cuts
it into batches of at most ``batch_size`` reports and, optionally, at most
``max_batch_chars`` padded UTF-8 bytes (batch size x longest report), so long reports
go in smaller batches and short ones pad little.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from radlite.backends.base import Backend, backend_identity
from radlite.core.errors import BackendError, SchemaError
from radlite.core.generation import GenerationResult
from radlite.core.types import Record
from radlite.pipeline.items import BatchStats, Item
from radlite.pipeline.task_batches import run_task_batch
from radlite.tasks.base import Task


def provenance_of(task: Task, backend: Backend) -> dict[str, Any]:
    """The provenance every record of ``task`` on ``backend`` carries."""
    return {**task.provenance(), **backend_identity(backend)}


@dataclass
class BatchProcessor:
    """Runs batches of one task on one backend, with bounded retries.

    Attributes:
        task: the task that builds requests and parses answers.
        backend: the text generator.
        retries: extra attempts for a report whose answer failed.
    """

    task: Task
    backend: Backend
    retries: int = 2
    stats: BatchStats = field(default_factory=BatchStats)

    def __post_init__(self) -> None:
        self.provenance = provenance_of(self.task, self.backend)

    def run(self, items: list[Item]) -> Iterator[list[tuple[int, Record]]]:
        """Process ``items``; yields the records finished after each backend call.

        A batched task's records come in one list, after its ``run_batch`` call.
        """
        if self.task.batched:
            yield run_task_batch(self.task, self.backend, items, self.retries, self.stats,
                                 self.provenance)
            return
        pending = items
        while pending:
            results = self._generate(pending)
            finished: list[tuple[int, Record]] = []
            again: list[Item] = []
            for item, result in zip(pending, results, strict=True):
                record = self._to_record(item, result)
                if record is None and item.attempt < self.retries:
                    item.attempt += 1
                    again.append(item)
                    continue
                if record is None:
                    reason = f"no valid answer after {item.attempt + 1} attempts: {item.last_error}"
                    record = Record.failed(item.report.id, self.task.name, reason)
                record.provenance = {**self.provenance, **record.provenance}
                finished.append((item.seq, record))
            yield finished
            pending = again

    def _generate(self, items: list[Item]) -> list[GenerationResult]:
        requests = [self.task.build_request(i.report, attempt=i.attempt) for i in items]
        self.stats.calls += 1
        try:
            results = self.backend.generate(requests)
        except BackendError as exc:
            self.stats.backend_errors += 1
            return [GenerationResult(error=f"backend error: {exc}") for _ in items]
        for result in results:
            self.stats.prompt_tokens += result.prompt_tokens
            self.stats.completion_tokens += result.completion_tokens
        return results

    def _to_record(self, item: Item, result: GenerationResult) -> Record | None:
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


def batch_size_for(task: Task, backend: Backend, requested: int | None) -> int:
    """Reports per batch: ``requested``, else the task's default, else the backend's."""
    return max(1, requested or task.default_batch_size or backend.capabilities.max_batch_size)


def windows(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive chunks of at most ``size`` items."""
    while True:
        chunk = list(islice(items, size))
        if not chunk:
            return
        yield chunk


def _size(item: Item) -> int:
    # UTF-8 bytes track tokens better than characters for mixed Korean/English text
    # (a Hangul syllable is 3 bytes and about one token; English is ~4 bytes a token).
    return len(item.report.text.encode("utf-8"))


def length_batches(
    chunk: list[Item], batch_size: int, sort: bool = True, max_batch_chars: int | None = None
) -> Iterator[list[Item]]:
    """Cut a window into batches, shortest reports first when ``sort``.

    A batch closes at ``batch_size`` reports, or earlier when adding the next report
    would make ``len(batch) * longest`` exceed ``max_batch_chars``.
    """
    if sort:
        chunk = sorted(chunk, key=_size)
    batch: list[Item] = []
    longest = 0
    for item in chunk:
        size = _size(item)
        grown = (len(batch) + 1) * max(longest, size)
        if batch and (len(batch) >= batch_size or (max_batch_chars and grown > max_batch_chars)):
            yield batch
            batch, longest = [], 0
        batch.append(item)
        longest = max(longest, size)
    if batch:
        yield batch
