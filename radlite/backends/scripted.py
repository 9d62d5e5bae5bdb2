"""A backend that returns queued responses: the test double for tasks and pipelines."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence

from radlite.backends.base import ALL_CONTROLS, Backend, Capabilities
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest, GenerationResult

Responder = Callable[[GenerationRequest], "str | GenerationResult"]


class ScriptedBackend(Backend):
    """Answers each request with the next queued response, or with ``responder``.

    A queued item may be a string (the generated text), a :class:`GenerationResult`
    (e.g. one with an error), or an exception instance (raised, to test crash paths).
    """

    name = "scripted"

    def __init__(
        self,
        responses: Iterable[object] = (),
        responder: Responder | None = None,
        capabilities: Capabilities | None = None,
        model: str = "scripted",
    ) -> None:
        self.queue: deque[object] = deque(responses)
        self.responder = responder
        self.requests: list[GenerationRequest] = []
        self.capabilities = capabilities or Capabilities(batch=True, max_batch_size=8,
                                                         decoding=ALL_CONTROLS)
        self._model = model

    @property
    def model_id(self) -> str:
        return self._model

    def push(self, *responses: object) -> None:
        """Queue more responses."""
        self.queue.extend(responses)

    def _answer(self, request: GenerationRequest) -> GenerationResult:
        if self.queue:
            item = self.queue.popleft()
        elif self.responder is not None:
            item = self.responder(request)
        else:
            raise BackendError("scripted backend has no queued response left")
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, GenerationResult):
            item.key = request.key
            return item
        return GenerationResult(text=str(item), key=request.key)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        self.requests.extend(requests)
        return [self._answer(request) for request in requests]
