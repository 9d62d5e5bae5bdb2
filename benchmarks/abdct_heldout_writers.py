"""Score the abdct rules once on held-out writer sets that no choice was made on.

Data: ``benchmarks/data/heldout/abdct_writer_<n>.csv`` (wide label columns; written by
helper sessions that never saw the project, after the round's rule changes were fixed;
see ``benchmarks/data/README.md``). Prints and writes micro F1 with a report-level
cluster bootstrap 95% CI per writer and pooled, and F1 per label group with its number
of positives. Never tune on these sets.

    python benchmarks/abdct_heldout_writers.py [--out benchmarks/results/abdct_heldout_writers.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from radlite.core.types import Report
from radlite.evaluate.bootstrap import cluster_bootstrap
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.abdct.labels import default_organs, label_groups

HERE = Path(__file__).resolve().parent
GROUPS, ORGANS = list(label_groups()), default_organs()


def _f1(counts: np.ndarray) -> np.ndarray:
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2 * tp / (2 * tp + fp + fn)


def _counts(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-report ``[tp, fp, fn]`` over all label cells."""
    axes = tuple(range(1, gold.ndim))
    return np.stack([(gold & pred).sum(axis=axes), ((1 - gold) & pred).sum(axis=axes),
                     (gold & (1 - pred)).sum(axis=axes)], axis=-1)


def score(gold: np.ndarray, pred: np.ndarray, seed: int = 0) -> dict:
    """Micro F1 with CI and per-group F1 for arrays (reports, organs, groups)."""
    est = cluster_bootstrap(_counts(gold, pred), _f1, np.random.default_rng(seed), 2000)
    groups = {}
    for j, g in enumerate(GROUPS):
        c = _counts(gold[:, :, j], pred[:, :, j]).sum(axis=0)
        groups[g] = {"f1": round(float(_f1(c)), 4), "n_pos": int(gold[:, :, j].sum()),
                     "fp": int(c[1]), "fn": int(c[2])}
    return {"n_reports": len(gold), "micro_f1": round(est.value, 4),
            "micro_f1_ci": [round(est.low, 4), round(est.high, 4)], "per_group": groups}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data/heldout")
    parser.add_argument("--out", type=Path, default=HERE / "results/abdct_heldout_writers.json")
    args = parser.parse_args()
    task = AbdctTask()
    result: dict = {"mode": "rules", "writers": {}}
    pooled_gold, pooled_pred = [], []
    for path in sorted(args.data.glob("abdct_writer_*[0-9].csv")):
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        records = task.run_batch(None, [Report(r["id"], r["report"]) for r in rows])
        gold = np.array([[[int(r[f"{o}_{g}"] or 0) for g in GROUPS] for o in ORGANS]
                         for r in rows])
        pred = np.array([[[int(rec.values.get(f"{o}_{g}") or 0) for g in GROUPS]
                          for o in ORGANS] for rec in records])
        result["writers"][path.stem.removeprefix("abdct_")] = score(gold, pred)
        pooled_gold.append(gold)
        pooled_pred.append(pred)
    if not pooled_gold:
        raise SystemExit(f"no abdct_writer_*.csv under {args.data}")
    result["pooled"] = score(np.concatenate(pooled_gold), np.concatenate(pooled_pred))
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({w: v["micro_f1"] for w, v in result["writers"].items()}
                     | {"pooled": result["pooled"]["micro_f1"],
                        "pooled_ci": result["pooled"]["micro_f1_ci"]}, indent=1))


if __name__ == "__main__":
    main()
