"""The hand-written development set: negated statements never reach a lesion table.

A statement of resolution ("pelvic nodes no longer PSMA-avid") may mark a tracked lesion
resolved (it informs the status); it never makes a lesion present.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radlite.tasks.summarize import summarize_series
from radlite.tasks.summarize.reading import read_text

DEV = Path(__file__).resolve().parents[2] / "benchmarks/data/longitudinal/dev.jsonl"


def _patients() -> list[dict]:
    if not DEV.exists():
        pytest.skip("benchmarks/data/longitudinal/dev.jsonl is absent")
    return [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]


def test_negated_statements_are_never_findings() -> None:
    statements = [s for p in _patients() for s in p.get("negated", [])]
    assert len(statements) >= 30
    for statement in statements:
        found = [f for f in read_text(statement, "r", "impression").findings
                 if f.kind != "incidental" and f.status != "resolved"]
        assert found == [], (statement, [f.label for f in found])


def test_no_lesion_table_cell_comes_from_a_negated_statement() -> None:
    for patient in _patients():
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
