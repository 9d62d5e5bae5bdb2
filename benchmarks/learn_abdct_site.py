"""Benchmark: issue 20's own example, a department that reads a distended gallbladder as
dilatation (``diffuse``) where radlite's default reads it as enlargement (``size``),
learnt from 0, 25, 50 and 100 reviewed reports.

All hand-written abdominal CT reports with gold labels in ``benchmarks/data`` (the
validation/dev/style sets and the writer sets under ``train/`` and ``heldout/``) are
pooled. The site's gold moves ``gallbladder_size`` to ``gallbladder_diffuse`` in every
report that asserts gallbladder distension (the benchmark's own regular expression,
not radlite's lexicon). Per draw, 100 shuffled reports are the review pool and the rest
are new reports; ``radlite learn``'s abdct learner (the conventions fitted on the first n
reviews) is scored on them: report accuracy (every label right) with a report bootstrap
CI, the paired difference against n = 0, label accuracy, and the accuracy of the two
gallbladder cells on the new reports that assert distension (where the convention acts).

    python benchmarks/learn_abdct_site.py [--draws 3] [--out benchmarks/results/learn_abdct_site.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
from learn_site import save_results

from radlite.evaluate.bootstrap import cluster_bootstrap, paired_bootstrap
from radlite.learn.compare import report_counts
from radlite.learn.data import LearnSet
from radlite.learn.learners import AbdctLearner

HERE = Path(__file__).resolve().parent / "data"
SIZES = (0, 25, 50, 100)
GB_CELLS = ("gallbladder_size", "gallbladder_diffuse")
DISTENDED = re.compile(r"(?:gallbladder|\bgb\b)[^.]{0,40}\b(?:distended|distension|hydropic)"
                       r"|(?:distended|hydropic)[^.]{0,20}gallbladder", re.IGNORECASE)
NEGATED = re.compile(r"\b(?:no|not|without|non-?distended)\b[^.]{0,30}$", re.IGNORECASE)


def _rows() -> list[dict[str, str]]:
    files = sorted(HERE.glob("abdct_*handwritten.csv")) + sorted(HERE.glob("*/abdct_writer_*.csv"))
    seen, out = set(), []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = f"{path.stem}:{row['id']}"
                if key not in seen:
                    seen.add(key)
                    out.append({**row, "id": key})
    return out


def asserts_distension(text: str) -> bool:
    """A non-negated statement of gallbladder distension."""
    for sentence in re.split(r"(?<=[.;\n])\s*", text):
        m = DISTENDED.search(sentence)
        if m and not NEGATED.search(sentence[:m.start()]) and not re.search(
                r"\bnot?\b[^.]{0,15}(?:distended|distension)", sentence, re.IGNORECASE):
            return True
    return False


def site_gold(row: dict[str, str], columns: list[str]) -> dict[str, int | None]:
    gold = {c: (int(row[c]) if row.get(c) not in (None, "") else None) for c in columns}
    if asserts_distension(row["report"]) and gold.get("gallbladder_size") == 1:
        gold["gallbladder_size"], gold["gallbladder_diffuse"] = 0, 1
    return gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/learn_abdct_site.json"))
    args = parser.parse_args()
    started = time.time()
    learner = AbdctLearner({})
    columns = learner.columns()
    rows = _rows()
    data = LearnSet([r["id"] for r in rows], [r["report"] for r in rows],
                    [site_gold(r, columns) for r in rows], columns)
    recoded = sum(asserts_distension(r["report"]) and r.get("gallbladder_size") == "1"
                  for r in rows)
    rng = np.random.default_rng(1)
    results: dict[str, object] = {"reports": len(rows), "recoded": recoded, "draws": []}
    tmp = Path(tempfile.mkdtemp(prefix="learn-abdct-"))
    for draw in range(args.draws):
        order = np.random.default_rng(200 + draw).permutation(len(rows))
        pool, new = order[:100], order[100:]
        test = data.subset(list(new))
        touched = [i for i, t in enumerate(test.texts) if asserts_distension(t)]
        cells = LearnSet([test.ids[i] for i in touched], [test.texts[i] for i in touched],
                         [test.gold[i] for i in touched], list(GB_CELLS))
        base_records = learner.run(None, test.reports())
        base = report_counts(base_records, test)
        curve = []
        for n in SIZES:
            counts, chosen, records = base, [], base_records
            if n:
                out = tmp / f"d{draw}-n{n}"
                chosen = learner.fit(data.subset(list(pool[:n])), None, out,
                                     lambda s, f: None)["conventions"]
                records = learner.run(out, test.reports())
                counts = report_counts(records, test)
            local = report_counts(records, cells)
            est = cluster_bootstrap(counts[:, :2], lambda s: s[..., 0] / s[..., 1], rng, 2000)
            diff = paired_bootstrap(base[:, :2], counts[:, :2],
                                    lambda s: s[..., 0] / s[..., 1], rng, 2000)
            point = {"n": n, "report_accuracy": [round(est.value, 4), round(est.low, 4),
                                                 round(est.high, 4)],
                     "vs_default": [round(diff.difference, 4), round(diff.low, 4),
                                    round(diff.high, 4)],
                     "label_accuracy": round(float(counts[:, 2].sum() / counts[:, 3].sum()), 4),
                     "gallbladder_cells_of_distension_reports": {
                         "reports": len(touched),
                         "accuracy": round(float(local[:, 2].sum() / max(local[:, 3].sum(), 1)), 4)},
                     "conventions": chosen}
            curve.append(point)
            print(json.dumps({"draw": draw, **point}), flush=True)
        results["draws"].append(curve)  # type: ignore[union-attr]
    save_results(results, args.out, started,
                 f"python benchmarks/learn_abdct_site.py --draws {args.draws}")


if __name__ == "__main__":
    main()
