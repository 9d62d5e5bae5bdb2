"""Series summarisation on hand-written and synthetic series."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from radlite.tasks.summarize import summarize_series
from radlite.tasks.summarize.series import current_size, lesion_name

SERIES = {"patient_id": "p1", "reports": [
    {"id": "r2", "date": "2024-06-01", "modality": "CT chest",
     "impression": "Right lower lobe nodule now 1.8 cm (previously 12 mm). New liver lesion, 9 mm."},
    {"id": "r1", "date": "2024-01-01", "modality": "CT chest",
     "impression": "Right lower lobe pulmonary nodule measures 12 mm."},
]}


def test_parsing_helpers() -> None:
    assert lesion_name("Interval growth of the left axillary lymph node (12 -> 15 mm).") == \
        "left axillary lymph node"
    assert current_size("now 33 mm (previously 31 mm)") == 33.0
    assert current_size("(12 -> 1.5 cm)") == 15.0


def test_series_is_sorted_and_summarised() -> None:
    out = summarize_series(SERIES)
    assert out["per_report"][0] == "Right lower lobe nodule, 12 mm."
    assert "Enlarging right lower lobe nodule, now 18 mm (previously 12 mm)." in out["per_report"][1]
    assert "New liver lesion, 9 mm." in out["per_report"][1]
    assert out["status"] == "disease progression"
    assert "2024-01-01 to 2024-06-01" in out["summary"]


def test_long_series_is_not_truncated() -> None:
    reports = [{"date": f"20{10 + i}-01-01", "impression": f"Left renal mass, {20 + 3 * i} mm."}
               for i in range(12)]
    out = summarize_series({"patient_id": "p", "reports": reports})
    assert len(out["per_report"]) == 12
    assert "from 20 mm (2010-01-01) to 53 mm (2021-01-01)" in out["summary"]


def test_cli(tmp_path: Path) -> None:
    from radlite.cli.summarize import command

    src = tmp_path / "s.jsonl"
    src.write_text(json.dumps(SERIES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(command, [str(src), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o.jsonl").read_text())["patient_id"] == "p1"
