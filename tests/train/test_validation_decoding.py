"""Training validation decodes through the inference backend: same answers as
``TransformersBackend.generate`` on the same weights (issue 19: training reuses inference)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.model


def test_validation_answers_equal_inference(embedded_folder: Path) -> None:
    from radlite.backends.hf import TransformersBackend
    from radlite.core.generation import GenerationRequest
    from radlite.core.types import Report
    from radlite.tasks import get_task
    from radlite.train.data import Example
    from radlite.train.progress import generate_answers

    # float32, as the model being trained is (bfloat16 batches of other sizes may differ)
    backend = TransformersBackend(str(embedded_folder), device="cpu", threads=1,
                                  constrained=False, dtype="float32")
    task = get_task("lirads", template="compact-v1")
    texts = ["A 2.3 cm arterial enhancing nodule in S8 with washout.",
             "Cirrhotic liver. No focal lesion.", "간 S6에 1.2 cm 결절, 동맥기 조영증강."]
    requests = [task.build_request(Report(str(i), t)) for i, t in enumerate(texts)]
    examples = [Example(str(i), t, list(r.messages), "") for i, (t, r)
                in enumerate(zip(texts, requests, strict=True))]
    backend.model.train()  # validation runs mid-training: it must switch to eval and back
    answers = generate_answers(backend.model, backend.tokenizer, examples, max_new_tokens=24,
                               batch_size=2)
    assert backend.model.training
    backend.model.eval()
    expected = backend.generate([GenerationRequest(messages=r.messages, max_new_tokens=24)
                                 for r in requests])
    assert answers == [r.text for r in expected]
    assert all(answers)
