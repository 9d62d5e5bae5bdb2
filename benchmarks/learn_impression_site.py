"""Benchmark: a simulated department whose impressions are numbered lists that always
end with a recommendation (issue 20), learnt from 0, 25, 50, 100 and 200 reviewed
reports.

The Open-i findings/impression pairs (``../shared/data/openi-dev/mediqa_indiana_dev.json``)
are shuffled. The site's impression for each report is the real impression's sentences
as a numbered list, closed by "Clinical correlation recommended." The first 200 are the
review pool (the impressions the reader chose on the review page); 400 others are new
reports. For each n, ``radlite learn``'s impression learner
(:class:`radlite.learn.learners.ImpressionLearner`: layout profile + the reader's example
bank) is fitted on the first n reviews and the draft is scored on the new reports:
layout agreement with the site's impression (numbered or not, same last sentence) and
ROUGE-L F1, each with a report bootstrap CI, and the paired difference against n = 0
(the default draft). At n = 100 each learnt part is also scored alone (profile only,
example bank only).

    python benchmarks/learn_impression_site.py [--out benchmarks/results/learn_impression_site.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from radlite.core.types import Report
from radlite.evaluate.bootstrap import cluster_bootstrap, paired_bootstrap
from radlite.evaluate.plots import learning_curve
from radlite.learn.compare import text_counts
from radlite.learn.data import LearnSet
from radlite.learn.learners import ImpressionLearner
from radlite.tasks.impression.styles import sentences

DATA = Path(__file__).resolve().parents[2] / "shared/data/openi-dev/mediqa_indiana_dev.json"
SIZES = (0, 25, 50, 100, 200)
CLOSING = "Clinical correlation recommended."
N_NEW = 400


def site_impression(impression: str) -> str:
    """The department's layout of one impression."""
    items = [s for s in sentences(impression) if any(c.isalpha() for c in s)] + [CLOSING]
    return "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1))


def _ratio(counts: np.ndarray, column: int, rng: np.random.Generator) -> list[float]:
    est = cluster_bootstrap(counts[:, [column, 1]], lambda s: s[..., 0] / s[..., 1], rng, 2000)
    return [round(est.value, 4), round(est.low, 4), round(est.high, 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path,
                        default=Path("benchmarks/results/learn_impression_site.json"))
    args = parser.parse_args()
    if not DATA.is_file():
        raise SystemExit(f"needs {DATA}")
    started = time.time()
    rows = [r for r in json.loads(DATA.read_text(encoding="utf-8"))
            if r.get("findings", "").strip() and r.get("impression", "").strip()]
    order = np.random.default_rng(0).permutation(len(rows))
    pool, new = order[:200], order[200:200 + N_NEW]

    def learn_set(idx: np.ndarray) -> LearnSet:
        return LearnSet([f"r{i}" for i in idx], [rows[i]["findings"] for i in idx],
                        [{"impression": site_impression(rows[i]["impression"])} for i in idx],
                        ["impression"])

    test = learn_set(new)
    reports = [Report(id=i, text=t) for i, t in zip(test.ids, test.texts, strict=True)]
    learner = ImpressionLearner({})
    rng = np.random.default_rng(1)
    base = text_counts(learner.task(None).run_batch(None, reports), test)
    curve, tmp = [], Path(tempfile.mkdtemp(prefix="learn-impr-"))
    for n in SIZES:
        t0 = time.time()
        counts, card = base, {}
        if n:
            card = learner.fit(learn_set(pool[:n]), None, tmp / f"n{n}", lambda s, f: None)
            counts = text_counts(learner.task(tmp / f"n{n}").run_batch(None, reports), test)
        diff = paired_bootstrap(base[:, :2], counts[:, :2], lambda s: s[..., 0] / s[..., 1],
                                rng, 2000)
        point = {"n": n, "layout_agreement": _ratio(counts, 2, rng),
                 "rouge_l": _ratio(counts, 0, rng),
                 "rouge_l_vs_default": [round(diff.difference, 4), round(diff.low, 4),
                                        round(diff.high, 4)],
                 "profile": {k: card.get(k) for k in ("numbered", "closing")} if n else None,
                 "seconds": round(time.time() - t0, 1)}
        if n == 100:  # which learnt part does what: each one alone
            from radlite.tasks.impression.task import ImpressionTask

            parts = learner.task_options(tmp / "n100")
            for name, keep in (("profile_only", "profile"), ("examples_only", "examples_file")):
                alone = ImpressionTask(**{keep: parts[keep]}).run_batch(None, reports)
                c = text_counts(alone, test)
                point[name] = {"layout_agreement": round(float(c[:, 2].mean()), 4),
                               "rouge_l": _ratio(c, 0, rng)}
        curve.append(point)
        print(json.dumps(point), flush=True)
    result = {"new_reports": N_NEW, "pool": 200, "closing": CLOSING, "curve": curve,
              "seconds": round(time.time() - started, 1),
              "command": "python benchmarks/learn_impression_site.py"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    learning_curve([curve], args.out.with_suffix(".png"), metric="layout_agreement",
                   title="Impression layout learnt from reviews (95% CIs)")


if __name__ == "__main__":
    main()
