"""One thread runs every model call of a server process, in arrival order.

Why one thread: torch's CPU kernels run on an OpenMP thread team, and libgomp keeps one
team per calling thread. When model calls come from several threads (a job's thread, the
micro-batcher's, the thread that loaded the model), the teams together hold more threads
than there are cores, and libgomp then stops spin-waiting between parallel regions (its
"throttled" spin count). Decoding is thousands of tiny parallel regions, so on 2 cores the
same batch ran about 25% slower from a second thread than from the first (measured: 96
LI-RADS reports, batch 16: 2.1-2.4 reports/s against 2.9-3.3). Funnelling every call
through one long-lived thread keeps one team.

Why arrival order: it is the sharing policy between ``/v1/jobs`` and single-report
requests (docs/serve.md): a job holds the model for one batch at a time, so a request
waits at most for the call in progress plus those queued before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from radlite.backends.base import Backend, DelegatingBackend
from radlite.core.generation import GenerationRequest, GenerationResult

T = TypeVar("T")


class ModelThread:
    """A single worker thread that runs submitted calls one at a time, first in first out."""

    def __init__(self, name: str = "radlite-model") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._ident: int | None = None
        self._pool.submit(self._remember).result()

    def _remember(self) -> None:
        self._ident = threading.get_ident()

    def call(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` on the model thread; waits for and returns its result (or
        raises its exception). A call made from the model thread itself runs in place."""
        if threading.get_ident() == self._ident:
            return function(*args)
        return self._pool.submit(function, *args).result()

    def close(self) -> None:
        """Stop taking calls; the call in progress and those queued still finish."""
        self._pool.shutdown(wait=False)


class ThreadedBackend(DelegatingBackend):
    """Delegates to a shared backend with every ``generate`` call run on ``thread``."""

    def __init__(self, inner: Backend, thread: ModelThread) -> None:
        super().__init__(inner)
        self.thread = thread

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return self.thread.call(self.inner.generate, requests)
