"""The hand-written development sets: negated statements never reach a lesion table.

A statement of resolution ("pelvic nodes no longer PSMA-avid") may mark a tracked lesion
resolved (it informs the status); it never makes a lesion present.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radlite.tasks.summarize import summarize_series
from radlite.tasks.summarize.reading import read_text

DATA = Path(__file__).resolve().parents[2] / "benchmarks/data/longitudinal"
SETS = ("dev.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl")


def _patients(name: str = "dev.jsonl") -> list[dict]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"benchmarks/data/longitudinal/{name} is absent")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_negated_statements_are_never_findings() -> None:
    """dev.jsonl only. Of dev2's 96 and dev3's 101, one each ("Left adrenal nodule is not
    FDG-avid", "Left upper lobe nodule not avid") reads as a present nodule, which it is
    (negated is its avidity); no table cell comes from them."""
    statements = [s for p in _patients() for s in p.get("negated", [])]
    assert len(statements) >= 30
    for statement in statements:
        found = [f for f in read_text(statement, "r", "impression").findings
                 if f.kind != "incidental" and f.status != "resolved"]
        assert found == [], (statement, [f.label for f in found])


@pytest.mark.parametrize("name", SETS)
def test_no_lesion_table_cell_comes_from_a_negated_statement(name: str) -> None:
    for patient in _patients(name):
        negated = {s.strip().rstrip(".") for s in patient.get("negated", [])}
        texts = {r["id"]: r for r in patient["reports"]}
        out = summarize_series(patient)
        for lesion in out["lesions"]:
            for obs in lesion["observations"]:
                span = obs["evidence"]
                if span is None:
                    continue
                sentence = texts[span["report_id"]][span["field"]][span["start"]:span["end"]]
                if sentence.strip().rstrip(".") in negated:
                    assert obs["present"] is False, (patient["patient_id"], sentence)
        assert len(out["per_report"]) == len(patient["reports"])
        assert len(out["summary"].split()) <= 150
