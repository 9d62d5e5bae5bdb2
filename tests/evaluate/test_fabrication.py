"""The fabrication check (numbers and dates not in the input) and its ``radlite eval`` metric."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radlite.cli.eval import command
from radlite.evaluate.fabrication import (
    fabrication_rate,
    find_values,
    report_sources,
    unsupported_values,
)

SOURCES = [
    "2023-01-14",
    "CT chest/abdomen/pelvis",
    "1. Liver segment 7 metastasis measures 3.8 x 2.1 cm, previously 3.20 cm. "
    "2. Station 4R node, SUVmax 12.4. 3. T10 lesion (12 -> 15 mm).",
    "Compared with 03/11/2022 and the PET of February 2022.",
]


def _bad(text: str, sources: list[str] = SOURCES, **kw) -> list[str]:
    return [u.value for u in unsupported_values(text, sources, **kw)]


def test_grounded_and_ungrounded_numbers() -> None:
    text = "Segment 7 metastasis, SUVmax 12.4 (was 9.1); station 4R; new segment 5 lesion."
    assert _bad(text) == ["9.1", "5"]
    assert _bad("SUVmax 12.40, previously 3.2 cm.") == []  # 12.40 == 12.4, 3.2 == 3.20
    assert [v.text for v in find_values("T10 and 4R nodes, segment 7")] == ["10", "4", "7"]


def test_measurements_convert_between_cm_and_mm() -> None:
    assert _bad("The metastasis measures 38 x 21 mm (previously 32 mm).") == []
    assert _bad("T10 lesion grew from 1.2 to 1.5 cm.") == []  # input says (12 -> 15 mm)
    assert _bad("The metastasis measures 39 mm.") == ["39"]
    # a bare number needs a bare number, a measurement a measurement
    assert _bad("Lesion 38.") == ["38"]
    assert _bad("Segment 7 mm.") == ["7"]
    # in a list the unit is only likely: a measurement or a bare number grounds it
    lists = ["Nodules 0.9, 0.5 and 0.6 cm.", "Segment 7 lesion."]
    assert _bad("Nodules 9, 5 and 6 mm; segment 7, lesion 6 mm.", lists) == []
    assert _bad("(LUL 9, lingula 5 mm)", lists) == []


def test_dates_in_several_formats() -> None:
    for text in ("Baseline on 2023-01-14.", "Baseline on 14/01/2023.", "Baseline 14.01.2023.",
                 "Baseline on January 14, 2023.", "Baseline on 14 Jan 2023.",
                 "Baseline on Jan. 14th 2023.", "Since Jan 2023.", "Since 2023.",
                 "Prior study 11/03/2022.", "Prior 2022-11-03.", "PET 02/2022."):
        assert _bad(text) == [], text
    assert _bad("Baseline on 2023-01-15 and 15 January 2023.") == ["2023-01-15",
                                                                    "15 January 2023"]
    assert _bad("Since March 2023.") == ["March 2023"]
    # a month-year in the input does not ground a full date in that month
    assert _bad("PET on 2022-02-10.") == ["2022-02-10"]
    found = unsupported_values("Scan of 2021-06-30.", SOURCES)
    assert [(u.kind, u.normalized, u.start, u.end) for u in found] == [
        ("date", "2021-06-30", 8, 18)]


def test_enumeration_and_ordinals_are_not_values() -> None:
    text = "1. Stable segment 7 lesion.\n2) Stable node. 3. Third lesion, the 2nd exam."
    assert [v.text for v in find_values(text)] == ["7"]
    assert _bad(text) == []
    assert _bad("(1) New lesion; 2) another, 3) more.") == []
    assert [v.text for v in find_values("Lesions: 3. Stable.")] == ["3"]


def test_exam_count_needs_the_number_of_reports() -> None:
    text = "5 CT chest/abdomen/pelvis exams from 2022-11-03 to 2023-01-14."
    assert _bad(text, n_reports=5) == []
    assert _bad(text, n_reports=3) == ["5"]
    assert _bad("5 new lesions.", n_reports=5) == ["5"]
    assert _bad("Over 5 follow-up scans.", n_reports=5) == []


def test_fabrication_rate_pools_counts_and_keeps_only_values() -> None:
    other = ["2020-05-01", "Nodule 6 mm."]
    res = fabrication_rate([("Nodule 6 mm on 2020-05-01.", other),
                            ("Nodule 8 mm on May 2, 2020; segment 7.", other),
                            ("No measurable disease.", other)])
    assert (res.n_outputs, res.n_values, res.n_unsupported) == (3, 5, 3)
    assert res.rate == pytest.approx(0.6)
    assert res.per_output == [(2, 0), (3, 3), (0, 0)]
    assert res.by_kind == {"number": {"values": 3, "unsupported": 2},
                           "date": {"values": 2, "unsupported": 1}}
    assert [e["value"] for e in res.examples] == ["8", "May 2, 2020", "7"]
    assert all(set(e) == {"output", "value", "kind", "normalized"} for e in res.examples)
    assert fabrication_rate([]).rate == 0.0


PATIENTS = [
    {"patient_id": "p1", "reports": [
        {"id": "p1-r1", "date": "2023-01-14", "modality": "CT",
         "impression": "1. Liver segment 7 metastasis, 3.8 cm. 2. No ascites."},
        {"id": "p1-r2", "date": "2023-04-02", "modality": "CT",
         "impression": "1. Liver segment 7 metastasis decreased to 2.9 cm.",
         "findings": "Segment 7 lesion 29 x 20 mm."}],
     "summary": "Two CT exams from 2023-01-14 to 2023-04-02: the segment 7 metastasis "
                "decreased from 38 to 29 mm. Overall: partial response.",
     "per_report": ["Baseline segment 7 metastasis, 38 mm.",
                    "Segment 7 metastasis decreased to 29 mm."]},
    {"patient_id": "p2", "reports": [
        {"id": "p2-r1", "date": "2022-06-01", "modality": "PET/CT",
         "impression": "Station 4R node, SUVmax 12.4, 15 mm."},
        {"id": "p2-r2", "date": "2022-09-10", "modality": "PET/CT",
         "impression": "Station 4R node, SUVmax 6.1, 11 mm."}],
     "summary": "Two PET/CT exams from June 2022 to September 2022: the 4R node decreased "
                "from 15 to 11 mm, SUVmax 12.4 to 6.1. Overall: response.",
     "per_report": ["Baseline 4R node, 15 mm, SUVmax 12.4.",
                    "4R node decreased to 11 mm, SUVmax 6.1."]},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_report_sources_reads_the_input_fields() -> None:
    assert report_sources(PATIENTS[0]["reports"])[-1] == "Segment 7 lesion 29 x 20 mm."
    assert "p1-r1" not in report_sources(PATIENTS[0]["reports"])


def test_radlite_eval_serial_reports_fabrication_with_cis(tmp_path: Path) -> None:
    gold = _write(tmp_path / "gold.jsonl", PATIENTS)
    faithful = _write(tmp_path / "faithful.jsonl", [
        {"patient_id": p["patient_id"], "summary": p["summary"], "per_report": p["per_report"],
         "status": "ok"} for p in PATIENTS])
    inventive = _write(tmp_path / "inventive.jsonl", [
        {"patient_id": "p1", "summary": "2 CT exams from 2023-01-14 to 2023-05-02: the "
                                        "metastasis decreased from 38 to 27 mm.",
         "per_report": ["Baseline metastasis, 38 mm.", "Decreased to 27 mm on 2023-04-02."]},
        {"patient_id": "p2", "status": "failed", "summary": "SUVmax 99."}])
    out = tmp_path / "report"
    res = CliRunner().invoke(command, [
        "serial", "--gold", str(gold), "--pred", f"faithful={faithful}",
        "--pred", f"inventive={inventive}", "-o", str(out), "--metrics", "rouge",
        "--n-boot", "200", "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "summary_fabrication_rate" in res.output
    rows = {(r["model"], r["metric"]): r for r in csv.DictReader((out / "metrics.csv").open())}
    assert float(rows["faithful", "summary_fabrication_rate"]["value"]) == 0.0
    assert float(rows["faithful", "per_report_fabrication_rate"]["value"]) == 0.0
    # inventive: summary p1 has 2, 2023-01-14, 2023-05-02, 38, 27 -> 2 unsupported of 5;
    # p2 failed -> no values. Per report: 38, 27, 2023-04-02 -> 1 of 3.
    assert float(rows["inventive", "summary_fabrication_rate"]["value"]) == pytest.approx(0.4)
    assert float(rows["inventive", "per_report_fabrication_rate"]["value"]) == pytest.approx(
        1 / 3)
    ci = rows["inventive", "summary_fabrication_rate"]
    assert float(ci["ci_low"]) <= 0.4 <= float(ci["ci_high"])
    comparisons = {r["metric"]: r for r in csv.DictReader((out / "comparisons.csv").open())}
    assert float(comparisons["summary_fabrication_rate"]["difference"]) == pytest.approx(0.4)
    results = json.loads((out / "results.json").read_text())
    assert "lower is better" in results["text"]["notes"]["summary_fabrication_rate"]
