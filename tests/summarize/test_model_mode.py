"""Always-on: the real embedded model rewrites one patient's summary through the gate."""

from __future__ import annotations

import json
import re

import pytest

from radlite.core.types import Report
from radlite.tasks.summarize.task import SummarizeTask

pytestmark = pytest.mark.model

PATIENT = {"patient_id": "m1", "reports": [
    {"id": "a", "date": "2023-01-14", "modality": "CT",
     "impression": "Segment 7 metastasis 3.8 cm. Left adrenal nodule 1.2 cm."},
    {"id": "b", "date": "2023-04-02", "modality": "MRI",
     "impression": "Segment 7 metastasis now 2.9 cm (previously 3.8 cm). Left adrenal nodule "
                   "resolved. No new lesions."},
]}


def test_builtin_model_summary_is_grounded(builtin_backend) -> None:
    task = SummarizeTask(mode="model")
    (record,) = task.run_batch(builtin_backend, [Report(id="m1", text=json.dumps(PATIENT))])
    values = record.values
    notes = values["summary_sources"]
    assert len(notes) >= 3 and {n["source"] for n in notes} <= {"model", "table"}
    source = json.dumps(PATIENT)
    for value in re.findall(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?", values["summary"]):
        assert value in source, value
    assert len(values["evidence"]["summary"]) == len(
        re.findall(r"\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?", values["summary"]))
