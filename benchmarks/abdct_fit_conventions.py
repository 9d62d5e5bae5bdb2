"""Fitted site conventions: choose the conventions from a writer's first reports, score the
rest, against the shipped readings and against the writer's declared conventions.

For each writer set with 24 reports (``data/train`` and ``data/heldout``), the first
``--fit`` reports (default 8) stand in for the reports a site's radiologist has checked;
:func:`radlite.tasks.abdct.fit_conventions.fit_conventions` picks the conventions there,
and micro F1 is measured on the remaining reports with the shipped defaults, the fitted
choice, and the declared choice (``abdct_conventions.DECLARED``).

    python benchmarks/abdct_fit_conventions.py [--fit 8]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from abdct_conventions import DECLARED

from radlite.core.types import Report
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.abdct.fit_conventions import fit_conventions
from radlite.tasks.abdct.labels import default_organs, label_groups

HERE = Path(__file__).resolve().parent
COLS = [f"{o}_{g}" for o in default_organs() for g in label_groups()]


def counts(rows: list[dict], conventions: list[str]) -> np.ndarray:
    records = AbdctTask(conventions=conventions).run_batch(
        None, [Report(r["id"], r["report"]) for r in rows])
    gold = np.array([[int(r[c] or 0) for c in COLS] for r in rows])
    pred = np.array([[int(rec.values.get(c) or 0) for c in COLS] for rec in records])
    return np.array([(gold & pred).sum(), ((1 - gold) & pred).sum(), (gold & (1 - pred)).sum()])


def f1(c: np.ndarray) -> float:
    return round(float(2 * c[0] / max(2 * c[0] + c[1] + c[2], 1)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=int, default=8, help="Reports used to fit.")
    parser.add_argument("--out", type=Path, default=HERE / "results/abdct_fit_conventions.json")
    args = parser.parse_args()
    result: dict = {"fit_reports": args.fit, "writers": {}}
    totals = {k: np.zeros(3, dtype=int) for k in ("shipped", "fitted", "declared")}
    for folder in ("train", "heldout"):
        for path in sorted((HERE / "data" / folder).glob("abdct_writer_*[0-9].csv"),
                           key=lambda p: int(p.stem.rsplit("_", 1)[1])):
            n = int(path.stem.rsplit("_", 1)[1])
            rows = list(csv.DictReader(path.open(encoding="utf-8")))
            if n < 9 or len(rows) <= args.fit:
                continue
            fit_rows, test_rows = rows[:args.fit], rows[args.fit:]
            chosen, _ = fit_conventions([Report(r["id"], r["report"]) for r in fit_rows],
                                        fit_rows)
            scores = {"shipped": counts(test_rows, []), "fitted": counts(test_rows, chosen),
                      "declared": counts(test_rows, DECLARED.get(n, []))}
            for k, c in scores.items():
                totals[k] += c
            result["writers"][f"writer_{n}"] = {"fitted_conventions": chosen,
                                                "declared_conventions": DECLARED.get(n, []),
                                                **{k: f1(c) for k, c in scores.items()}}
            print(n, result["writers"][f"writer_{n}"], flush=True)
    result["pooled"] = {k: f1(c) for k, c in totals.items()}
    print(json.dumps(result["pooled"]))
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
