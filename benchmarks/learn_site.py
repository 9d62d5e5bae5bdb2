"""Benchmark: a simulated site whose chest X-ray labelling convention differs from the
default, learnt from 0, 25, 50, 100 and 200 reviewed reports (issue 20's learning curve).

The Open-i development reports (``../shared/data/openi-dev``) are shuffled and halved.
Half A (the "default" world) trains a parent head with the default (Open-i MeSH)
coding, so that no site report was seen by it. Half B is the site: its gold labels
follow the site's convention, which differs from Open-i's in three systematic ways a
department might choose:

1. every asserted granuloma is coded as a nodule (Open-i codes most as nothing);
2. hyperinflated / hyperexpanded lungs are coded as emphysema;
3. minor atelectasis (subsegmental, linear, plate-like, discoid, minimal, mild) is not
   coded as atelectasis.

The convention is applied to the text with simple regular expressions of its own (not
radlite's lexicon or negation rules). The first 200 shuffled site reports are the review
pool; the curve takes its first n. The rest of the site's reports are "new reports":
accuracy (every label of the report right) and label-level figures, with report
cluster-bootstrap CIs of the difference against n = 0 (the parent). ``--draws`` repeats
the curve with other review pools. The "default benchmark" check scores the n = 100 site
head against the parent on the same new reports with the default Open-i coding, over the
labels the convention does not touch.

    python benchmarks/learn_site.py [--draws 3] [--out benchmarks/results/learn_site.json]

Writes the JSON and a PNG plot beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from radlite.core.types import Report
from radlite.evaluate.bootstrap import cluster_bootstrap, paired_bootstrap
from radlite.evaluate.plots import learning_curve
from radlite.learn.chest import adapt_head
from radlite.learn.compare import report_counts
from radlite.learn.data import LearnSet
from radlite.learn.learners import cached
from radlite.models.encoder import local_embedder
from radlite.tasks.chest import ChestTask
from radlite.tasks.chest.labels import chestxray14_labels
from radlite.train.chest_head import LabelledReports, read_labelled_csv, train_head

OPENI = Path(__file__).resolve().parents[2] / "shared/data/openi-dev/openi_dev.csv"
SIZES = (0, 25, 50, 100, 200)
TOUCHED = ("Nodule", "Emphysema", "Atelectasis")
NEGATED = re.compile(r"\b(?:no|without|negative for|free of|resolved)\b[^.]*$", re.I)
MINOR = re.compile(r"(?:subsegmental|linear|plate-?like|discoid|minimal|mild|minor|"
                   r"streaky|bandlike|band-like)\s+(?:\w+\s+){0,2}$", re.I)


def _asserted(text: str, pattern: str) -> list[re.Match[str]]:
    """Matches of ``pattern`` not preceded by a negation in their sentence."""
    out = []
    for sentence in re.split(r"(?<=[.;])\s+", text):
        for m in re.finditer(pattern, sentence, re.I):
            if not NEGATED.search(sentence[:m.start()]):
                out.append((sentence, m))
    return out  # type: ignore[return-value]


def site_gold(text: str, gold: dict[str, int]) -> dict[str, int]:
    """The site's coding of one report, from its Open-i coding and text."""
    out = dict(gold)
    if _asserted(text, r"granulom\w*"):
        out["Nodule"] = 1
    if _asserted(text, r"hyper(?:inflat|expan)\w*"):
        out["Emphysema"] = 1
    atelectasis = _asserted(text, r"atelecta\w*")
    if atelectasis and all(MINOR.search(s[:m.start()]) for s, m in atelectasis):  # type: ignore[misc]
        out["Atelectasis"] = 0
    return out


def _learn_set(data: LabelledReports, rows: list[int], gold: list[dict[str, int]],
               columns: list[str]) -> LearnSet:
    return LearnSet([data.ids[i] for i in rows], [data.texts[i] for i in rows],
                    [gold[i] for i in rows], columns)


def _ci(counts: np.ndarray, rng: np.random.Generator) -> list[float]:
    est = cluster_bootstrap(counts, lambda s: s[..., 0] / s[..., 1], rng, 2000)
    return [round(est.value, 4), round(est.low, 4), round(est.high, 4)]


def save_results(results: dict[str, object], out: Path, started: float, command: str) -> None:
    """Write a learn benchmark's results with its run time and command (JSON)."""
    results["seconds"] = round(time.time() - started, 1)
    results["command"] = command
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def _write_gold(path: Path, data: LabelledReports, rows: list[int],
                gold: list[dict[str, int]], labels: list[str]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "report", *labels])
        writer.writerows([[data.ids[i], data.texts[i], *(gold[i][x] for x in labels)]
                          for i in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/learn_site.json"))
    parser.add_argument("--gold-out", type=Path, default=None,
                        help="Only write the first 100 site reviews of draw 1 as a gold CSV "
                             "(for timing `radlite learn chest --gold`) and stop.")
    args = parser.parse_args()
    if not OPENI.is_file():
        raise SystemExit(f"needs {OPENI}")
    started = time.time()
    labels = [x for x in chestxray14_labels() if x != "normal"]
    data = read_labelled_csv(OPENI, "uid", ("findings", "impression"), labels)
    order = np.random.default_rng(0).permutation(len(data.ids))
    half_a, half_b = order[: len(order) // 2], order[len(order) // 2:]
    default_gold = [dict(zip(labels, map(int, row), strict=True)) for row in data.gold]
    site = [site_gold(t, g) for t, g in zip(data.texts, default_gold, strict=True)]
    changed = sum(site[i] != default_gold[i] for i in half_b)
    if args.gold_out:
        _write_gold(args.gold_out, data, list(np.random.default_rng(100).permutation(half_b))[:100],
                    site, labels)
        return
    embed = cached(local_embedder())
    parent_data = LabelledReports([data.ids[i] for i in half_a], [data.texts[i] for i in half_a],
                                  tuple(labels), data.gold[half_a])
    parent = train_head(parent_data, folds=0, source="openi half A")
    tmp = Path(tempfile.mkdtemp(prefix="learn-site-"))
    parent.save(tmp / "parent")
    columns = labels
    results: dict[str, object] = {
        "site_reports": len(half_b), "site_reports_recoded": changed,
        "parent_trained_on": len(half_a), "draws": []}
    rng = np.random.default_rng(1)

    def run(head_dir: Path, rows: list[int], gold: list[dict[str, int]]) -> np.ndarray:
        task = ChestTask(labels="chestxray14", head=str(head_dir), embed=embed)
        records = task.run_batch(None, [Report(id=data.ids[i], text=data.texts[i])
                                        for i in rows])
        return report_counts(records, _learn_set(data, rows, gold, columns))

    for draw in range(args.draws):
        pool_order = np.random.default_rng(100 + draw).permutation(half_b)
        pool, new = list(pool_order[:200]), list(pool_order[200:])
        base = run(tmp / "parent", new, site)
        curve = []
        for n in SIZES:
            t0 = time.time()
            if n == 0:
                counts, head_dir = base, tmp / "parent"
            else:
                head = adapt_head(parent, [data.texts[i] for i in pool[:n]],
                                  [site[i] for i in pool[:n]], embed)
                head_dir = tmp / f"site-{draw}-{n}"
                head.save(head_dir)
                counts = run(head_dir, new, site)
            diff = paired_bootstrap(base[:, :2], counts[:, :2], lambda s: s[..., 0] / s[..., 1],
                                    rng, 2000)
            point = {"n": n, "report_accuracy": _ci(counts[:, :2], rng),
                     "label_accuracy": round(float(counts[:, 2].sum() / counts[:, 3].sum()), 4),
                     "vs_parent": [round(diff.difference, 4), round(diff.low, 4),
                                   round(diff.high, 4)],
                     "learn_seconds": round(time.time() - t0, 1)}
            if n:
                point["links"] = (head.card or {}).get("new_links")
                point["strength"] = (head.card or {}).get("strength")
            if n == 100:
                keep = [c for c in columns if c not in TOUCHED]
                sub = [{c: g[c] for c in keep} for g in default_gold]
                task_p = ChestTask(labels="chestxray14", head=str(tmp / "parent"), embed=embed)
                task_s = ChestTask(labels="chestxray14", head=str(head_dir), embed=embed)
                reps = [Report(id=data.ids[i], text=data.texts[i]) for i in new]
                ls = LearnSet([data.ids[i] for i in new], [data.texts[i] for i in new],
                              [sub[i] for i in new], keep)
                a = report_counts(task_p.run_batch(None, reps), ls)
                b = report_counts(task_s.run_batch(None, reps), ls)
                d = paired_bootstrap(a[:, 2:4], b[:, 2:4], lambda s: s[..., 0] / s[..., 1],
                                     rng, 2000)
                point["default_coding_untouched_labels"] = {
                    "label_accuracy_parent": round(d.a, 4), "label_accuracy_site": round(d.b, 4),
                    "difference": [round(d.difference, 4), round(d.low, 4), round(d.high, 4)]}
            curve.append(point)
            print(json.dumps({"draw": draw, **point}), flush=True)
        results["draws"].append(curve)  # type: ignore[union-attr]
    save_results(results, args.out, started,
                 f"python benchmarks/learn_site.py --draws {args.draws}")
    learning_curve(results["draws"], args.out.with_suffix(".png"),  # type: ignore[arg-type]
                   title="Chest site convention learnt from reviews (95% CIs)")


if __name__ == "__main__":
    main()
