"""A task registered from tests/ works in ``radlite extract`` and ``radlite eval`` with no
edit to radlite (the REST API and the review page: tests/serve)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from radlite.cli.main import main
from radlite.core.errors import ConfigError
from radlite.tasks import get_task, registry

REPORTS = [
    ("t1", "Thyroid US. A 12 mm nodule in the right lobe with microcalcifications."),
    ("t2", "Left lobe nodule, solid. No calcification."),
    ("t3", "Normal thyroid. No nodule."),
    ("t4", "A right nodule. Possible calcification cannot be excluded."),
]
GOLD = {"t1": ("1", "right"), "t2": ("0", "left"), "t3": ("0", ""), "t4": ("0", "left")}


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_unregistered_until_registered(toy_task) -> None:
    assert "thyroid_toy" in registry.names(kind="extract")
    registry.unregister("thyroid_toy")
    with pytest.raises(ConfigError, match="unknown task 'thyroid_toy'"):
        get_task("thyroid_toy")
    registry.register(toy_task)
    with pytest.raises(ConfigError, match="already registered"):
        registry.register(toy_task)


def test_extract_then_eval_from_the_cli(toy_task, tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", ["id", "report"], REPORTS)
    out = tmp_path / "out.csv"
    assert main(["extract", "thyroid_toy", str(source), "-o", str(out), "--no-progress"]) == 0
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert {k: (r["calcification"], r["side"]) for k, r in rows.items()} == {
        "t1": ("1", "right"), "t2": ("0", "left"), "t3": ("0", ""), "t4": ("0", "right")}
    start = REPORTS[0][1].index("right")
    assert json.loads(rows["t1"]["evidence"])["side"][0][:2] == [start, start + 5]

    gold = _write(tmp_path / "gold.csv", ["id", "calcification", "side"],
                  [(k, *v) for k, v in GOLD.items()])
    report = tmp_path / "eval"
    assert main(["eval", "thyroid_toy", "--gold", str(gold), "--pred", f"rules={out}",
                 "-o", str(report), "--n-boot", "200", "--no-plots"]) == 0
    result = json.loads((report / "results.json").read_text(encoding="utf-8"))
    values = {(m["metric"], m["feature"]): m["value"] for m in result["metrics"]}
    assert values[("accuracy", "")] == pytest.approx(7 / 8)  # t4's side is wrong
    assert values[("accuracy", "side")] == pytest.approx(3 / 4)
    assert values[("accuracy", "calcification")] == 1.0
    assert result["evaluation"] == {"task": "thyroid_toy", "options": {}}
