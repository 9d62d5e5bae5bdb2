"""Site conventions: the abdct rules with the shipped readings against the rules with the
conventions each writer declared in its reply (not fitted to its labels).

The writers of sets 9-28 each stated, before their reports were scored, how they read the
points the standard leaves open (``benchmarks/data/README.md``); :data:`DECLARED` holds the
choices that differ from the shipped defaults (``radlite/tasks/abdct/conventions.yaml``).
Writers 1-8 stated none. Micro F1 per writer set in ``data/train/`` and ``data/heldout/``.

    python benchmarks/abdct_conventions.py [--out benchmarks/results/abdct_conventions.json]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from radlite.core.types import Report
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.abdct.labels import default_organs, label_groups

HERE = Path(__file__).resolve().parent
GROUPS, ORGANS = list(label_groups()), default_organs()
_APPENDIX = ["appendix=large_bowel"]
DECLARED: dict[int, list[str]] = {
    9: _APPENDIX, 10: [*_APPENDIX, "solid_organs=organs", "gallbladder_distension=diffuse"],
    13: [*_APPENDIX, "solid_organs=organs", "collapsed_bowel=none"], 14: _APPENDIX,
    15: _APPENDIX, 16: ["solid_organs=organs", "collapsed_bowel=none"], 17: _APPENDIX,
    18: _APPENDIX, 19: _APPENDIX, 21: _APPENDIX, 22: _APPENDIX, 23: _APPENDIX,
    24: ["gallbladder_distension=diffuse"], 25: _APPENDIX,
    26: [*_APPENDIX, "collapsed_bowel=none"],
    27: [*_APPENDIX, "collapsed_bowel=none", "gallbladder_distension=diffuse"], 28: _APPENDIX,
}


def micro(path: Path, conventions: list[str]) -> float:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    records = AbdctTask(conventions=conventions).run_batch(
        None, [Report(r["id"], r["report"]) for r in rows])
    gold = np.array([[int(r[f"{o}_{g}"] or 0) for o in ORGANS for g in GROUPS] for r in rows])
    pred = np.array([[int(rec.values.get(f"{o}_{g}") or 0) for o in ORGANS for g in GROUPS]
                     for rec in records])
    return round(float(2 * (gold & pred).sum() / max(gold.sum() + pred.sum(), 1)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results/abdct_conventions.json")
    args = parser.parse_args()
    result: dict = {"declared": {str(k): v for k, v in DECLARED.items()}, "writers": {}}
    for folder in ("train", "heldout"):
        for path in sorted((HERE / "data" / folder).glob("abdct_writer_*[0-9].csv"),
                           key=lambda p: int(p.stem.rsplit("_", 1)[1])):
            n = int(path.stem.rsplit("_", 1)[1])
            if n not in DECLARED:
                continue
            result["writers"][f"{folder}/writer_{n}"] = {
                "conventions": DECLARED[n], "shipped": micro(path, []),
                "declared": micro(path, DECLARED[n])}
            print(n, result["writers"][f"{folder}/writer_{n}"], flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
