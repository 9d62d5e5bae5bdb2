"""Benchmark: CheXpert-style uncertainty (``--labels chexpert``: 1 / 0 / -1 / blank) on a
hand-written set rich in hedges (Open-i has no uncertain gold).

``benchmarks/data/chest_hedges_handwritten.csv``: 40 short reports written for this
benchmark, each observation labelled 1 (positive), 0 (negated), -1 (uncertain: possible,
may represent, cannot exclude, versus, likely, ?...) or blank (not mentioned), following
the CheXpert labeller's conventions. ``No Finding`` is not scored. Per class: precision,
recall and F1 over (report, observation) cells, with report-bootstrap 95% CIs.

    python benchmarks/chest_uncertain.py [--out benchmarks/results/chest_uncertain.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from radlite.core.types import Report
from radlite.tasks.chest import ChestTask

DATA = Path(__file__).resolve().parent / "data/chest_hedges_handwritten.csv"
CLASSES = {"positive": 1, "negative": 0, "uncertain": -1}
BLANK = 9


def _code(value: object) -> int:
    return BLANK if value in (None, "") else int(float(str(value)))


def _f1(gold: np.ndarray, pred: np.ndarray, value: int) -> tuple[float, float, float]:
    tp = float(((gold == value) & (pred == value)).sum())
    p = tp / max((pred == value).sum(), 1)
    r = tp / max((gold == value).sum(), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent
                        / "results/chest_uncertain.json")
    args = parser.parse_args()
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    columns = [c for c in rows[0] if c not in ("id", "report")]
    gold = np.array([[_code(r[c]) for c in columns] for r in rows])
    records = ChestTask(mode="rules", labels="chexpert").run_batch(
        None, [Report(r["id"], r["report"]) for r in rows])
    pred = np.array([[_code(rec.values.get(c)) for c in columns] for rec in records])
    rng = np.random.default_rng(0)
    boots = rng.integers(0, len(rows), size=(2000, len(rows)))
    out: dict = {"n_reports": len(rows), "mode": "rules"}
    for name, value in CLASSES.items():
        p, r, f = _f1(gold, pred, value)
        ci = np.quantile([_f1(gold[i], pred[i], value)[2] for i in boots], [0.025, 0.975])
        out[name] = {"n_gold": int((gold == value).sum()), "precision": round(p, 4),
                     "recall": round(r, 4), "f1": round(f, 4),
                     "f1_ci": [round(float(x), 4) for x in ci]}
    mentioned = gold != BLANK
    out["exact_on_mentioned"] = round(float((gold[mentioned] == pred[mentioned]).mean()), 4)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
