"""BatchingBackend: length-sorted batches, retried failures, and no silent empty answers."""

from __future__ import annotations

import pytest

from radlite.backends.batching import BatchingBackend
from radlite.backends.scripted import ScriptedBackend
from radlite.core.errors import BackendError
from radlite.core.generation import GenerationRequest, GenerationResult
from radlite.core.types import Report
from radlite.pipeline.runner import RunOptions, run_job
from radlite.pipeline.store import JobStore
from radlite.tasks.abdct import AbdctTask


def _request(text: str) -> GenerationRequest:
    return GenerationRequest(messages=({"role": "user", "content": text},), key=text)


class _Recording(ScriptedBackend):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.calls: list[list[str]] = []

    def generate(self, requests):
        self.calls.append([r.key for r in requests])
        return super().generate(requests)


def test_sorted_batches_in_request_order() -> None:
    inner = _Recording(responder=lambda r: r.key.upper())
    texts = ["ccc", "a", "bbbb", "dd", "e"]
    results = BatchingBackend(inner, batch_size=2).generate([_request(t) for t in texts])
    assert [r.text for r in results] == [t.upper() for t in texts]
    assert inner.calls == [["a", "e"], ["dd", "ccc"], ["bbbb"]]


def test_failed_request_is_retried_then_raises() -> None:
    flaky = _Recording(responses=[GenerationResult(error="timeout"), "ok-2", "ok-1"])
    results = BatchingBackend(flaky, batch_size=8).generate([_request("x1"), _request("x22")])
    assert [r.text for r in results] == ["ok-1", "ok-2"]
    assert flaky.calls == [["x1", "x22"], ["x1"]]
    broken = _Recording(responder=lambda r: GenerationResult(error="model crashed"))
    with pytest.raises(BackendError, match=r"1 of 1 requests failed after 3 attempts: model"):
        BatchingBackend(broken, retries=2).generate([_request("y")])
    assert len(broken.calls) == 3


def test_a_question_without_answer_fails_the_report_not_silently() -> None:
    """abdct fast mode used to keep the rule value when a question failed; now the report
    fails with the reason (after the question and batch retries)."""
    broken = ScriptedBackend(responder=lambda r: GenerationResult(error="model crashed"))
    with JobStore(":memory:") as store:
        run_job(AbdctTask(mode="fast"), broken, [Report("r1", "Spleen: Splenomegaly.")], store,
                RunOptions(progress=False, retries=1))
        record = next(iter(store.records()))
    assert record.status == "failed"
    assert "requests failed after 2 attempts: model crashed" in record.error
