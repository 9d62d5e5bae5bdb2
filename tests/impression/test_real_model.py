"""Always-on: the real embedded model refines two short drafts (< 60 s)."""

from __future__ import annotations

import pytest

from radlite.core.types import Report
from radlite.tasks.impression import ImpressionTask, gate

pytestmark = pytest.mark.model


def test_builtin_refine_is_gated(builtin_backend) -> None:
    task = ImpressionTask(mode="refine")
    reports = [Report("a", "Small left pleural effusion. No pneumothorax."),
               Report("b", "The lungs are clear. Heart size is normal.")]
    results = builtin_backend.generate([task.build_request(r) for r in reports])
    for report, result in zip(reports, results, strict=True):
        record = task.parse(report, result.text)
        assert record.values["impression"]
        assert gate.check(report.text, record.values["impression"]) == []
