"""Cross-request micro-batching: single-report requests share one model call.

Key terms:

- a *ticket* is one API request's reports waiting for records; it carries a
  :class:`concurrent.futures.Future` that the request awaits;
- the *batcher* of one task (one per task and options, so one per loaded model) collects
  tickets until ``max_wait_s`` has passed since the oldest one arrived *or since the model
  came free, whichever is later*, or until ``max_batch`` reports wait, and runs them
  together through the pipeline's one batched
  path (``run``: the job runner over an in-memory job store); each ticket gets back
  exactly its own records, in its own order, under its own ids;
- the queue is *bounded*: a ticket that would take it past ``max_queue`` reports is
  refused at once (:class:`Busy`; the API answers 503 with ``Retry-After``);
- a ticket *cancelled* before its batch starts (the client left, or its time ran out)
  is dropped from the queue and costs no model work; one whose batch has started runs
  to the end of that batch (a model call cannot be stopped halfway) and its records
  are thrown away.

Why "since the model came free": clients that each wait for their answer before sending
again (a hospital integration's usual loop) otherwise split into groups that never meet
again. Tickets that arrived during a batch have long passed their wait when it ends, so
the next batch would leave at once without the clients the last batch just answered;
those then queue behind it, and so on: 8 such clients ran as two alternating batches of
4. Counting the wait from the moment the model comes free lets the answered clients
rejoin, at the cost of at most ``max_wait_s`` per batch.

Report ids may repeat across requests: inside a batch every report gets a private id
(ticket number and position), mapped back before the records reach their request.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from radlite.core.types import Record, Report

log = logging.getLogger(__name__)
_SEP = "\x1f"


class Busy(Exception):
    """The queue is full; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the model queue is full; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Ticket:
    """One request's reports and the future of its records."""

    number: int
    reports: list[Report]
    arrived: float
    future: Future = field(default_factory=Future)
    cancelled: bool = False

    def private(self) -> list[Report]:
        """The reports under batch-private ids."""
        return [replace(r, id=f"{self.number}{_SEP}{i}") for i, r in enumerate(self.reports)]


class MicroBatcher:
    """Collects tickets of one task and runs them in shared batches on a worker thread.

    Args:
        run: reports in, records out (same ids); the pipeline's batched path.
        max_wait_s: longest time the oldest waiting ticket is held for company.
        max_batch: most reports in one batch (a ticket is never split).
        max_queue: most reports waiting; more is refused with :class:`Busy`.
        name: thread name suffix (for logs; never report text).
    """

    def __init__(self, run: Callable[[list[Report]], list[Record]], max_wait_s: float = 0.03,
                 max_batch: int = 16, max_queue: int = 256, name: str = "model") -> None:
        self.run, self.max_wait_s, self.max_batch, self.max_queue = (
            run, max_wait_s, max_batch, max_queue)
        self._queue: deque[Ticket] = deque()
        self._cond = threading.Condition()
        self._numbers = itertools.count(1)
        self._closed = False
        self.batches = 0
        self.batch_seconds = 0.0
        self._free_since = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name=f"radlite-batcher-{name}",
                                        daemon=True)
        self._thread.start()

    def waiting(self) -> int:
        """Reports queued and not yet in a batch."""
        with self._cond:
            return sum(len(t.reports) for t in self._queue)

    def _drain_seconds(self, queued: int) -> int:
        """Seconds until ``queued`` reports have run: the Retry-After of a refusal."""
        per_batch = self.batch_seconds / self.batches if self.batches else 1.0
        return max(1, round(per_batch * max(1, queued // max(1, self.max_batch))))

    def submit(self, reports: list[Report]) -> Ticket:
        """Queue ``reports`` as one ticket.

        Raises:
            Busy: the queue would pass ``max_queue`` reports.
        """
        with self._cond:
            queued = sum(len(t.reports) for t in self._queue)
            if self._closed or queued + len(reports) > self.max_queue:
                raise Busy(self._drain_seconds(queued))
            ticket = Ticket(next(self._numbers), list(reports), time.monotonic())
            self._queue.append(ticket)
            self._cond.notify()
            return ticket

    def cancel(self, ticket: Ticket) -> None:
        """Drop ``ticket``: out of the queue if its batch has not started."""
        with self._cond:
            ticket.cancelled = True
            if ticket in self._queue:
                self._queue.remove(ticket)
        ticket.future.cancel()

    def close(self) -> None:
        """Stop the worker after the batch in progress; waiting tickets fail."""
        with self._cond:
            self._closed = True
            pending = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for ticket in pending:
            ticket.future.cancel()

    def _take(self) -> list[Ticket] | None:
        """The next batch: waits for a first ticket, then for company until the oldest
        has waited ``max_wait_s`` (counted from when the model came free, if later) or
        ``max_batch`` reports are there."""
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            deadline = max(self._queue[0].arrived, self._free_since) + self.max_wait_s
            while sum(len(t.reports) for t in self._queue) < self.max_batch and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, size = [], 0
            while self._queue and (not batch or size + len(self._queue[0].reports)
                                   <= self.max_batch):
                ticket = self._queue.popleft()
                batch.append(ticket)
                size += len(ticket.reports)
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            live = [t for t in batch if not t.cancelled]
            if live:
                self._run_batch(live)
                with self._cond:
                    self._free_since = time.monotonic()

    def _run_batch(self, live: list[Ticket]) -> None:
        started = time.monotonic()
        try:
            records = self.run([r for t in live for r in t.private()])
        except Exception as exc:  # noqa: BLE001 - every waiting request learns why
            log.error("batch of %d tickets failed: %s", len(live), type(exc).__name__)
            for ticket in live:
                if not ticket.future.done():
                    ticket.future.set_exception(exc)
            return
        self.batches += 1
        self.batch_seconds += time.monotonic() - started
        self._deliver(live, records)

    @staticmethod
    def _deliver(tickets: list[Ticket], records: list[Record]) -> None:
        by_id = {r.id: r for r in records}
        for ticket in tickets:
            if ticket.future.done():
                continue
            own = [by_id.get(f"{ticket.number}{_SEP}{i}") for i in range(len(ticket.reports))]
            if any(r is None for r in own):
                ticket.future.set_exception(RuntimeError("a report of the batch has no record"))
                continue
            ticket.future.set_result([replace(r, id=rep.id)
                                      for r, rep in zip(own, ticket.reports, strict=True)])
