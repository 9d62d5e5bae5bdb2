"""Benchmark: chest (Open-i dev, ChestX-ray14) and abdominal CT labelling, rules baseline
and model-backed modes side by side, on 2 CPU threads.

Open-i text = findings + impression; development slice = first 1,000 reports, reported
separately from the remaining 2,080 and from all. The learned mode (rules + trained head)
is scored by 5-fold cross-validation over all 3,080 reports, split by report (each
report is predicted by a head that never saw it), side by side with the rules on the
same reports, with a paired bootstrap of the difference; its speed is measured with the
shipped head. Model modes are slow on a shared
2-core CPU, so they run on the first ``--n-model`` reports of each held-out slice and the
rules baseline is scored on the same reports as well. Metrics: micro F1, MCC (pooled
cells), per-label F1 with 95% bootstrap CIs (scikit-learn + numpy), reports per second.

    python benchmarks/abdct_chest.py --n-model 24 --out benchmarks/results
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef

from radlite.backends.batching import BatchingBackend
from radlite.core.types import Report
from radlite.tasks.abdct import AbdctTask
from radlite.tasks.chest import ChestTask

OPENI = Path(__file__).resolve().parents[2] / "shared/data/openi-dev/openi_dev.csv"
HANDWRITTEN = Path(__file__).resolve().parent / "data/abdct_validation_handwritten.csv"
DEV_SETS = {"dev1": Path(__file__).resolve().parent / "data/abdct_dev_handwritten.csv",
            "dev2": Path(__file__).resolve().parent / "data/abdct_dev2_handwritten.csv",
            "dev3": Path(__file__).resolve().parent / "data/abdct_dev3_handwritten.csv"}


def _int(v: object) -> int:
    return 0 if v in (None, "") else int(v)


def score(gold: np.ndarray, pred: np.ndarray, labels: list[str], seed: int = 0) -> dict:
    """Micro F1, MCC, per-label F1 with bootstrap 95% CIs over reports."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(gold), size=(1000, len(gold)))

    def micro(g: np.ndarray, p: np.ndarray) -> float:
        tp = (g & p).sum()
        denom = g.sum() + p.sum()
        return float(2 * tp / denom) if denom else 0.0

    boots = np.array([micro(gold[i], pred[i]) for i in idx])
    per = {}
    for j, name in enumerate(labels):
        g, p = gold[:, j], pred[:, j]
        b = np.array([micro(g[i], p[i]) for i in idx[:300]])
        per[name] = {"f1": round(float(f1_score(g, p, zero_division=0)), 4), "n": int(g.sum()),
                     "ci": [round(float(x), 4) for x in np.quantile(b, [0.025, 0.975])]}
    return {"micro_f1": round(micro(gold, pred), 4),
            "micro_f1_ci": [round(float(x), 4) for x in np.quantile(boots, [0.025, 0.975])],
            "mcc": round(float(matthews_corrcoef(gold.ravel(), pred.ravel())), 4),
            "n_reports": len(gold), "per_label": per}


def run(task, backend, reports: list[Report]) -> tuple[list[dict], float]:
    """Label ``reports`` in batches of 16; returns values per report and reports/s."""
    started = time.perf_counter()
    if backend is not None:  # the job runner's way of sending a task's questions
        backend = BatchingBackend(backend, task.request_batch_size)
    out = []
    for lo in range(0, len(reports), 16):
        out.extend(r.values if r.status == "ok" else {} for r in
                   task.run_batch(backend, reports[lo:lo + 16]))
    return out, len(reports) / (time.perf_counter() - started)


def chest(backend, n_model: int) -> dict:
    """Open-i ChestX-ray14: rules on all slices, verify on the first n of the held-out slice."""
    rows = list(csv.DictReader(OPENI.open(encoding="utf-8")))
    labels = ChestTask(labels="chestxray14").columns()
    reports = [Report(r["uid"], (r["findings"] + " " + r["impression"]).strip()) for r in rows]
    gold = np.array([[_int(r[c]) for c in labels] for r in rows])
    out: dict = {}
    rules = ChestTask(mode="rules", labels="chestxray14")
    values, rate = run(rules, None, reports)
    pred = np.array([[_int(v.get(c)) for c in labels] for v in values])
    for name, sl in {"dev_1000": slice(0, 1000), "heldout_2080": slice(1000, None),
                     "all": slice(None)}.items():
        out[f"rules/{name}/14"] = score(gold[sl, :14], pred[sl, :14], labels[:14])
        out[f"rules/{name}/15"] = score(gold[sl], pred[sl], labels)
    out["rules/reports_per_s"] = round(rate, 1)
    out.update(learned(rows, reports, gold, pred, labels))
    if backend is not None and n_model:
        sl = slice(1000, 1000 + n_model)
        verify = ChestTask(mode="verify", labels="chestxray14")
        values, rate = run(verify, backend, reports[sl])
        mpred = np.array([[_int(v.get(c)) for c in labels] for v in values])
        out[f"verify/heldout_first{n_model}/14"] = score(gold[sl, :14], mpred[:, :14], labels[:14])
        out[f"rules/heldout_first{n_model}/14"] = score(gold[sl, :14], pred[sl, :14], labels[:14])
        out["verify/reports_per_s"] = round(rate, 3)
    return out


def paired_difference(gold: np.ndarray, new: np.ndarray, old: np.ndarray,
                      seed: int = 0, n: int = 2000) -> dict:
    """Micro F1 of ``new`` minus ``old`` on the same reports, paired report bootstrap."""
    def micro(g: np.ndarray, p: np.ndarray) -> float:
        return float(2 * (g & p).sum() / max(g.sum() + p.sum(), 1))

    rng = np.random.default_rng(seed)
    diffs = np.array([micro(gold[i], new[i]) - micro(gold[i], old[i])
                      for i in rng.integers(0, len(gold), size=(n, len(gold)))])
    point = micro(gold, new) - micro(gold, old)
    p = min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean()) + 1 / n)
    return {"difference": round(point, 4),
            "ci": [round(float(x), 4) for x in np.quantile(diffs, [0.025, 0.975])],
            "p_value": round(float(p), 4), "n_resamples": n}


def learned(rows: list[dict], reports: list[Report], gold: np.ndarray, rules: np.ndarray,
            labels: list[str]) -> dict:
    """Learned mode: 5-fold CV estimate vs rules (paired), and the shipped head's speed."""
    from radlite.train.chest_head import LabelledReports, cross_validated

    data = LabelledReports([r["uid"] for r in rows], [r.text for r in reports],
                           tuple(labels[:14]), gold[:, :14].astype(np.int8))
    oof = cross_validated(data, c=10.0, folds=5).astype(int)
    out: dict = {}
    for name, sl in {"dev_1000": slice(0, 1000), "heldout_2080": slice(1000, None),
                     "all": slice(None)}.items():
        out[f"learned_cv5/{name}/14"] = score(gold[sl, :14], oof[sl], labels[:14])
    out["learned_cv5_minus_rules/all/14"] = paired_difference(gold[:, :14], oof, rules[:, :14])
    shipped = ChestTask(mode="learned", labels="chestxray14")
    _, rate = run(shipped, None, reports[:500])
    out["learned/reports_per_s"] = round(rate, 1)
    out["learned/head"] = {"hash": shipped.head.hash, **(shipped.head.card or {})}
    return out


def _abdct_set(path: Path) -> tuple[list[Report], np.ndarray, list[str]]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    cols = [c for c in AbdctTask().columns() if not c.endswith(("_urgency", "_any_abnormality"))]
    gold = np.array([[_int(r[c]) for c in cols] for r in rows])
    return [Report(r["id"], r["report"]) for r in rows], gold, cols


def abdct(backend, n_model: int, modes: list[str]) -> dict:
    """Hand-written abdominal CT sets: the development sets (rules; the lexicon was
    tuned on them) and the validation set (measurement only): every mode on its first n."""
    out: dict = {}
    for name, path in DEV_SETS.items():
        reports, gold, cols = _abdct_set(path)
        values, _ = run(AbdctTask(mode="rules"), None, reports)
        pred = np.array([[_int(v.get(c)) for c in cols] for v in values])
        out[f"rules/{name}_{len(reports)}"] = score(gold, pred, cols)
    reports, gold, cols = _abdct_set(HANDWRITTEN)
    for mode in ["rules", *modes]:
        n = len(reports) if mode == "rules" else n_model
        if mode != "rules" and (backend is None or not n):
            continue
        values, rate = run(AbdctTask(mode=mode), backend if mode != "rules" else None, reports[:n])
        pred = np.array([[_int(v.get(c)) for c in cols] for v in values])
        out[f"{mode}/handwritten_first{n}"] = score(gold[:n], pred, cols)
        if mode != "rules":
            rpred = np.array([[_int(v.get(c)) for c in cols] for v in
                              run(AbdctTask(mode="rules"), None, reports[:n])[0]])
            out[f"rules/handwritten_first{n}"] = score(gold[:n], rpred, cols)
        out[f"{mode}/reports_per_s"] = round(rate, 3)
    return out


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-model", type=int, default=24)
    parser.add_argument("--modes", default="fast,staged")
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--skip-chest", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    backend = None
    if not args.no_model:
        from radlite.backends.builtin import BuiltinBackend

        backend = BuiltinBackend(threads=2, batch_size=16)
    args.out.mkdir(parents=True, exist_ok=True)
    if OPENI.exists() and not args.skip_chest:
        result = chest(backend, args.n_model)
        (args.out / "chest_openi.json").write_text(json.dumps(result, indent=1))
        print(json.dumps({k: v.get("micro_f1", v) if isinstance(v, dict) else v
                          for k, v in result.items()}, indent=1))
    result = abdct(backend, args.n_model, [m for m in args.modes.split(",") if m])
    (args.out / "abdct_handwritten.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v.get("micro_f1", v) if isinstance(v, dict) else v
                      for k, v in result.items()}, indent=1))


if __name__ == "__main__":
    main()
