"""Choosing and shipping the statement selector by held-out patients and held-out sets.

For each setting of the grid (L2 strength ``C`` x keep threshold x word budget x word-trimmer
threshold; ``none`` turns the budget or the trimmer off) the per-report ROUGE-L
against the hand-written statements (the mean of ``benchmarks/longitudinal.py``) is
measured two ways:

- ``lopo``: every patient of every ``--data`` set is written by a selector trained on
  all other patients (of all sets);
- ``loso`` (with two or more sets): every set is written by a selector trained on the
  other sets only, so a setting is judged on a writer it never saw. The mean over the
  sets chooses the setting (ties within 0.002: the shorter statements); with one set,
  ``lopo`` chooses.

``--ship DIR`` then trains on all sets with the chosen setting and saves it (the shipped
one: ``radlite/heads/series-statements``).

    python benchmarks/statement_selector.py \
        --data benchmarks/data/longitudinal/dev.jsonl benchmarks/data/longitudinal/dev2.jsonl \
        --out benchmarks/results/longitudinal/statement-selector.json \
        [--c 0.3,1,3] [--thresholds 0.05,0.1,0.2] [--budgets none,21,24,27] \
        [--trims none,0.6,0.7,0.8] [--ship radlite/heads/series-statements]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from radlite.evaluate.text import rouge
from radlite.tasks.summarize.statements import StatementSelector, change_statement
from radlite.train.statement_selector import train_selector

Setting = tuple[float, int | None, float | None]  # keep threshold, word budget, trim


def _written(selector: StatementSelector, patients: list[dict], setting: Setting
             ) -> tuple[list[str], list[str]]:
    writer = selector.with_setting(*setting)
    hyps, refs = [], []
    for patient in patients:
        for index, (report, ref) in enumerate(zip(patient["reports"], patient["per_report"],
                                                  strict=True)):
            refs.append(ref)
            hyps.append(change_statement(str(report.get("impression") or ""), index == 0,
                                         writer) or "")
    return hyps, refs


def _scores(hyps: list[str], refs: list[str]) -> dict:
    return {"rougeL": round(rouge(hyps, refs)["rougeL"].corpus, 4),
            "words": round(float(np.mean([len(h.split()) for h in hyps])), 1)}


def lopo(patients: list[dict], c: float, settings: list[Setting]) -> dict[Setting, dict]:
    """Per setting: ROUGE-L and words with each patient held out once."""
    hyps: dict[Setting, list[str]] = {t: [] for t in settings}
    refs: list[str] = []
    for held in patients:
        selector = train_selector([p for p in patients if p is not held], c=c,
                                  trim_threshold=0.5)
        for t in settings:
            written, ref = _written(selector, [held], t)
            hyps[t].extend(written)
        refs.extend(ref)
    return {t: _scores(h, refs) for t, h in hyps.items()}


def loso(sets: dict[str, list[dict]], c: float, settings: list[Setting]
         ) -> dict[Setting, dict]:
    """Per setting: each set's ROUGE-L written by a selector trained on the others,
    and their mean."""
    per_set: dict[Setting, dict] = {t: {} for t in settings}
    for name, held in sets.items():
        selector = train_selector([p for n, s in sets.items() if n != name for p in s], c=c,
                                  trim_threshold=0.5)
        for t in settings:
            per_set[t][name] = _scores(*_written(selector, held, t))
    return {t: {"sets": res, "rougeL": round(float(np.mean([r["rougeL"] for r in res.values()])), 4),
                "words": round(float(np.mean([r["words"] for r in res.values()])), 1)}
            for t, res in per_set.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--c", default="0.3,1,3")
    parser.add_argument("--thresholds", default="0.2,0.3,0.4,0.5")
    parser.add_argument("--budgets", default="none",
                        help="word budgets to try, comma-separated ('none': no budget)")
    parser.add_argument("--trims", default="none",
                        help="word-trimmer thresholds to try ('none': no trimming)")
    parser.add_argument("--ship", type=Path, default=None)
    parser.add_argument("--loso-only", action="store_true",
                        help="skip leave-one-patient-out (with two or more sets, loso chooses)")
    args = parser.parse_args(argv)
    sets = {p.stem: [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
            for p in args.data}
    everyone = [p for s in sets.values() for p in s]
    budgets = [None if b == "none" else int(b) for b in args.budgets.split(",")]
    trims = [None if t == "none" else float(t) for t in args.trims.split(",")]
    settings = [(float(t), b, trim) for t in args.thresholds.split(",") for b in budgets
                for trim in trims]
    grid = []
    for c in (float(x) for x in args.c.split(",")):
        by_set = loso(sets, c, settings) if len(sets) > 1 else {}
        by_patient = lopo(everyone, c, settings) if not (args.loso_only and by_set) else {}
        for t in settings:
            grid.append({"C": c, "threshold": t[0], "max_words": t[1], "trim": t[2],
                         **({"lopo": by_patient[t]} if by_patient else {}),
                         **({"loso": by_set[t]} if by_set else {})})
            print(json.dumps(grid[-1]), file=sys.stderr)
    judge = "loso" if len(sets) > 1 else "lopo"
    top = max(r[judge]["rougeL"] for r in grid)
    best = min((r for r in grid if r[judge]["rougeL"] >= top - 0.002),
               key=lambda r: r[judge]["words"])
    result = {"data": [str(p) for p in args.data], "patients": len(everyone),
              "chosen_by": judge, "metric": "mean per-report ROUGE-L (rouge-score F, stemmer)",
              "grid": grid, "best": best}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if args.ship:
        card = {"trained_on": ", ".join(p.name for p in args.data),
                f"{judge}_rougeL": best[judge]["rougeL"],
                **({"lopo_rougeL": best["lopo"]["rougeL"]} if "lopo" in best else {}),
                "command": "python benchmarks/statement_selector.py " + " ".join(
                    sys.argv[1:] if argv is None else argv)}
        selector = train_selector(everyone, c=best["C"], threshold=best["threshold"],
                                  card=card, max_words=best["max_words"],
                                  trim_threshold=best["trim"])
        print(f"shipped -> {selector.save(args.ship)}", file=sys.stderr)
    print(json.dumps(best))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
