"""Benchmark: chest labels on whole reports (indication and comparison included, as users
give them) against findings + impression, on the Open-i development reports.

The whole report is ``INDICATION: ...``, ``COMPARISON: ...``, ``FINDINGS: ...``,
``IMPRESSION: ...`` lines (empty parts left out). Rules mode needs no training; the
learned mode uses the shipped head, which was trained on these reports' findings +
impression, so its absolute numbers are in-sample: read only the whole-minus-findings
difference. Micro F1 over the 14 ChestX-ray14 findings with report-bootstrap CIs, and
the paired difference whole - findings+impression.

    python benchmarks/whole_reports.py [--out benchmarks/results/whole_reports.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from abdct_chest import OPENI, _int, paired_difference, score  # noqa: E402

from radlite.core.types import Report  # noqa: E402
from radlite.tasks.chest import ChestTask  # noqa: E402

PARTS = (("INDICATION", "indication"), ("COMPARISON", "comparison"), ("FINDINGS", "findings"),
         ("IMPRESSION", "impression"))


def whole_report(row: dict[str, str]) -> str:
    """The report as a user exports it: every part under its header."""
    return "\n".join(f"{header}: {row[key].strip()}" for header, key in PARTS
                     if row.get(key, "").strip())


def predict(task: ChestTask, reports: list[Report], labels: list[str]
            ) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    records = []
    for lo in range(0, len(reports), 64):
        records += task.run_batch(None, reports[lo:lo + 64])
    rate = len(reports) / (time.perf_counter() - started)
    return np.array([[_int(r.values.get(c)) for c in labels] for r in records]), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "results/whole_reports.json")
    args = parser.parse_args()
    rows = list(csv.DictReader(OPENI.open(encoding="utf-8")))
    labels = ChestTask(labels="chestxray14").columns()[:14]
    gold = np.array([[_int(r[c]) for c in labels] for r in rows])
    inputs = {
        "findings_impression": [Report(r["uid"], (r["findings"] + " " + r["impression"]).strip())
                                for r in rows],
        "whole": [Report(r["uid"], whole_report(r)) for r in rows],
    }
    out: dict = {"n_reports": len(rows)}
    for mode in ("rules", "learned"):
        task = ChestTask(mode=mode, labels="chestxray14")
        preds = {}
        for name, reports in inputs.items():
            preds[name], rate = predict(task, reports, labels)
            result = score(gold, preds[name], labels)
            out[f"{mode}/{name}"] = {"micro_f1": result["micro_f1"],
                                     "micro_f1_ci": result["micro_f1_ci"],
                                     "reports_per_s": round(rate, 1)}
        out[f"{mode}/whole_minus_findings_impression"] = paired_difference(
            gold, preds["whole"], preds["findings_impression"])
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
