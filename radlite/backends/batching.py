"""Many short requests to one backend: length-sorted batches, retries, no silent loss.

:class:`BatchingBackend` is how a batched task's questions reach the model (the job
runner wraps the backend with it before ``Task.run_batch``): requests are sorted by
prompt length and sent ``batch_size`` at a time, so short prompts pad little; a request
whose result failed is sent again up to ``retries`` times; one that still fails raises
:class:`~radlite.core.errors.BackendError` naming the count and the first error, so the
runner can retry the reports' batch and then record each report as failed with the
reason. Results come back in request order.
"""

from __future__ import annotations

from collections.abc import Sequence

from radlite.backends.base import Backend, DelegatingBackend
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest, GenerationResult


class BatchingBackend(DelegatingBackend):
    """Delegates to ``inner`` in length-sorted batches of at most ``batch_size``.

    Args:
        inner: the backend that generates.
        batch_size: requests per ``inner.generate`` call (default: its preference).
        retries: extra attempts for a request whose result failed.
    """

    def __init__(self, inner: Backend, batch_size: int | None = None, retries: int = 2) -> None:
        super().__init__(inner)
        self.batch_size = max(1, batch_size or inner.capabilities.max_batch_size)
        self.retries = max(0, retries)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        results: list[GenerationResult | None] = [None] * len(requests)
        pending = list(range(len(requests)))
        for _ in range(self.retries + 1):
            for index, result in self._batched(requests, pending):
                results[index] = result
            pending = [i for i in pending if not results[i].ok]  # type: ignore[union-attr]
            if not pending:
                return [r for r in results if r is not None]
        first = results[pending[0]]
        raise BackendError(f"{len(pending)} of {len(requests)} requests failed after "
                           f"{self.retries + 1} attempts: {first.error if first else 'no result'}")

    def _batched(self, requests: Sequence[GenerationRequest], indices: list[int]
                 ) -> list[tuple[int, GenerationResult]]:
        order = sorted(indices, key=lambda i: requests[i].prompt_chars())
        out: list[tuple[int, GenerationResult]] = []
        for lo in range(0, len(order), self.batch_size):
            chunk = order[lo:lo + self.batch_size]
            out += zip(chunk, self.inner.generate([requests[i] for i in chunk]), strict=True)
        return out
