"""The LI-RADS evidence gate: unsupported or only-negated positives become 0."""

from __future__ import annotations

import pytest

from radlite.core.types import Report
from radlite.tasks.lirads import LiradsTask, format, gate

ALL_ONES = {"size": 21, "location": 8, **{f: 1 for f in gate.GATED}}


@pytest.mark.parametrize(("text", "feature", "expected"), [
    ("2.1 cm S8 nodule with arterial enhancement and washout.", "washout", True),
    ("2.1 cm S8 nodule with arterial enhancement, no washout.", "washout", False),
    ("2.1 cm S8 nodule. Washout is not seen.", "washout", False),
    ("S8에 2.1 cm 결절, 동맥기 조영증강 있고 washout 없음.", "washout", False),
    ("S8에 2.1 cm 결절, 동맥기 조영증강 있음.", "aphe", True),
    ("S8에 2.1 cm 결절, 동맥기 조영증강은 보이지 않음.", "aphe", False),
    ("No washout in the S2 cyst. The S8 nodule shows washout.", "washout", True),
    ("2.1 cm S8 nodule, mild restriced diffusion on DWI.", "af_malignant", True),  # typo
    ("Liver: smooth surface. 2.1 cm S8 nodule.", "cld", False),
])
def test_supported(text: str, feature: str, expected: bool) -> None:
    assert gate.supported(text, feature) is expected


def test_apply_only_removes_positives() -> None:
    text = "Cirrhotic liver. 2.1 cm S8 nodule with arterial enhancement, no washout."
    values, dropped = gate.apply(text, ALL_ONES)
    assert values["cld"] == 1 and values["aphe"] == 1 and values["washout"] == 0
    assert values["size"] == 21 and values["location"] == 8
    assert "washout" in dropped and "aphe" not in dropped
    zeros = {**ALL_ONES, **{f: 0 for f in gate.GATED}}
    assert gate.apply(text, zeros) == (zeros, [])
    assert gate.apply(text, ALL_ONES, negation=False)[0]["washout"] == 1


def test_task_records_what_the_gate_changed() -> None:
    text = "2.1 cm S8 nodule with arterial enhancement, no washout."
    answer = format.format_compact({**ALL_ONES, **{f: 0 for f in gate.GATED},
                                    "cld": 1, "aphe": 1, "washout": 1})
    for gated in (True, False):
        task = LiradsTask(evidence_gate=gated)
        record = task.parse(Report("r", text), answer)
        assert record.values["washout"] == (0 if gated else 1)
        assert record.values["cld"] == (0 if gated else 1)
        assert record.extra.get("unsupported", []) == (["cld", "washout"] if gated else [])
        assert task.fingerprint()["evidence_gate"] is gated


def test_benign_index_lesion_means_no_suspicious_lesion() -> None:
    cyst = "Cirrhosis. S6에 1.2 cm 크기의 조영증강되지 않는 단순 낭종이 있습니다."
    values = {**{f: 0 for f in gate.GATED}, "cld": 1, "size": 12, "location": 6}
    out, dropped = gate.apply(cyst, values)
    assert out["size"] is None and out["location"] is None and out["cld"] == 1
    assert dropped == ["size", "location"]
    hedged = "Cirrhosis. 1.2 cm cystic lesion in S6, suspicious for cystic HCC."
    assert gate.apply(hedged, values)[0]["size"] == 12
    with_feature = {**values, "aphe": 1}
    text = "Cirrhosis. 1.2 cm hemangioma in S6 with arterial enhancement."
    assert gate.apply(text, with_feature)[0]["size"] == 12


def test_completion_reads_only_the_index_sentence() -> None:
    text = ("Cirrhosis. S8 2.1 cm nodule with arterial enhancement and washout. "
            "S3 1.0 cm nodule with capsule.")
    values = {**{f: 0 for f in gate.GATED}, "cld": 1, "size": 21, "location": 8}
    out, added = gate.complete(text, values)
    assert added == ["aphe", "washout"] and out["capsule"] == 0
    negated = "S8 2.1 cm nodule without arterial enhancement or washout."
    assert gate.complete(negated, values) == (values, [])
    assert gate.complete(text, {**values, "size": None}) == ({**values, "size": None}, [])
    record = LiradsTask().parse(Report("r", text), format.format_compact(values))
    assert record.values["washout"] == 1 and record.extra["completed"] == ["aphe", "washout"]
    off = LiradsTask(cue_completion=False).parse(Report("r", text), format.format_compact(values))
    assert off.values["washout"] == 0 and "completed" not in off.extra
