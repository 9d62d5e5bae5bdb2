"""``evaluate_task``: score prediction files against gold, with CIs and comparisons.

Key term: the *baseline*, the model every other model is compared with (the
first ``--pred`` unless named). Each compared metric gets a paired comparison
``model - baseline`` (paired cluster bootstrap on the shared resamples, or a
paired permutation test); p-values are Holm-corrected within each metric name
across all its comparisons (models x features).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError, InputError
from radlite.evaluate import labels, lirads, text_tasks
from radlite.evaluate.bootstrap import (
    compare_from_distributions,
    holm,
    joint_bootstrap,
    paired_permutation,
    percentile_interval,
)
from radlite.evaluate.io import Alignment, align, id_column
from radlite.evaluate.spec import MetricSpec, ScoredModel

TASKS = ("lirads", "abdct", "chest", "chestxray14", "impression", "serial")


def required_columns(task: str) -> list[str]:
    """Value columns a gold (and wide prediction) file must have."""
    if task == "lirads":
        return list(lirads.FEATURES)
    if task == "abdct":
        organs, _, cols = labels.abdct_columns()
        return cols + [f"{o}_urgency" for o in organs]
    if task == "chest":
        return labels.chexpert_labels()
    if task == "chestxray14":
        return labels.chestxray14_labels()
    return ["impression"] if task == "impression" else ["summary"]


def _check_columns(task: str, alignment: Alignment) -> None:
    need = required_columns(task)
    missing = [c for c in need if c not in alignment.gold[0]]
    if missing:
        raise InputError(f"gold file lacks {task} columns: {', '.join(missing[:8])}")
    for name, rows in alignment.preds.items():
        first = next((r for r in rows if r is not None and r.get("status") != "failed"), None)
        if task in {"impression", "serial"} or first is None:
            continue
        absent = [c for c in need if c not in first]
        if absent:
            raise InputError(f"prediction {name!r} lacks columns: {', '.join(absent[:8])}")


def score_model(task: str, gold: list[dict], pred: list[dict | None],
                text_metrics: list[str], encoder_path: str | None,
                factual: text_tasks.FactualScorer | None = None, name: str = "") -> ScoredModel:
    """Per-report counts of one model (``name``) for ``task``."""
    scorers = {"lirads": lirads.score_lirads, "abdct": labels.score_abdct,
               "chest": labels.score_chest, "chestxray14": labels.score_chestxray14}
    if task in scorers:
        return scorers[task](gold, pred)
    if task == "impression":
        return text_tasks.score_impression(gold, pred, text_metrics, encoder_path, factual, name)
    return text_tasks.score_serial(gold, pred, text_metrics, encoder_path)


def task_specs(task: str, model: ScoredModel) -> list[MetricSpec]:
    """Metric specs for ``task`` (text tasks: those present in ``model``)."""
    if task == "lirads":
        return lirads.lirads_specs()
    if task == "abdct":
        return labels.abdct_specs("any_abnormality" in model.counts)
    if task == "chest":
        return labels.chest_specs()
    if task == "chestxray14":
        return labels.chestxray14_specs()
    return text_tasks.text_specs(model)


def evaluate_task(
    task: str,
    gold_path: str | Path,
    preds: dict[str, str | Path],
    out_dir: str | Path | None = None,
    n_boot: int = 10_000,
    seed: int = 0,
    alpha: float = 0.05,
    baseline: str | None = None,
    test: str = "bootstrap",
    on_missing: str = "wrong",
    text_metrics: Sequence[str] | None = None,
    encoder_path: str | None = None,
    plots: bool = True,
    factual: text_tasks.FactualOptions | None = None,
) -> dict[str, Any]:
    """Evaluate prediction files against gold for one task.

    Args:
        task: one of ``TASKS``.
        gold_path: gold CSV/JSONL.
        preds: model name -> prediction CSV/JSONL (wide CSV or JSONL format).
        out_dir: write ``results.json``, CSV tables, PNG plots and ``report.html``
            here (nothing is written when None).
        n_boot: bootstrap resamples (and permutations).
        seed: seed of the ``np.random.Generator``.
        alpha: 1 - confidence level.
        baseline: model the others are compared with (default: the first).
        test: ``"bootstrap"`` (paired cluster bootstrap) or ``"permutation"``.
        on_missing: ``"wrong"`` or ``"drop"`` (see ``radlite.evaluate.io.align``).
        text_metrics: text metric families for impression/serial (default all).
        encoder_path: local encoder for BERTScore/embedding similarity.
        plots: write PNG plots and the HTML report when ``out_dir`` is set.
        factual: user-supplied NLI model / RadGraph annotations or model for the
            factual metrics (``impression`` only); nothing model-based otherwise.

    Returns:
        JSON-ready dict: ``metrics`` rows (model, metric, feature, value, ci_low,
        ci_high), ``comparisons`` rows, ``ids`` (missing/extra/failed), settings.
    """
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    if not preds:
        raise InputError("give at least one prediction file (--pred NAME=FILE)")
    if test not in {"bootstrap", "permutation"}:
        raise InputError(f"test must be 'bootstrap' or 'permutation', not {test!r}")
    baseline = baseline or next(iter(preds))
    if baseline not in preds:
        raise InputError(f"baseline {baseline!r} is not one of the predictions")
    if factual is not None and factual.active and task != "impression":
        raise ConfigError("NLI and F1-RadGraph metrics are available for the impression task "
                          f"only, not {task!r}")
    started = time.perf_counter()
    alignment = align(gold_path, preds, on_missing)
    _check_columns(task, alignment)
    families, skipped = ([], {})
    if task in {"impression", "serial"}:
        families, skipped = text_tasks.resolve_metrics(text_metrics)
    scorer = (text_tasks.FactualScorer(factual, alignment.gold, alignment.ids)
              if factual is not None and factual.active else None)
    scored = {name: score_model(task, alignment.gold, rows, families, encoder_path, scorer, name)
              for name, rows in alignment.preds.items()}
    specs = task_specs(task, scored[baseline])
    rng = np.random.default_rng(seed)
    boot_started = time.perf_counter()
    dists = joint_bootstrap({m: s.counts for m, s in scored.items()},
                            {s.id: (s.key, s.fn) for s in specs}, rng, n_boot)
    boot_seconds = time.perf_counter() - boot_started
    points = {m: {s.id: float(s.fn(sc.counts[s.key].sum(axis=0))) for s in specs}
              for m, sc in scored.items()}
    metrics = [
        {"model": m, "metric": s.metric, "feature": s.feature, "value": points[m][s.id],
         "ci_low": round(lo, 6), "ci_high": round(hi, 6), "headline": s.headline}
        for m in scored for s in specs
        for lo, hi in [percentile_interval(dists[m][s.id], alpha)]
    ]
    comparisons = _compare(scored, specs, points, dists, baseline, test, alpha, rng, n_boot)
    result = {
        "task": task,
        "n_reports": len(alignment.ids),
        "models": list(preds),
        "baseline": baseline,
        "ids": alignment.summary(),
        "settings": {"n_boot": n_boot, "seed": seed, "alpha": alpha, "test": test,
                     "on_missing": on_missing, "ci": "percentile, report-level cluster bootstrap",
                     "multiple_comparisons": "Holm within each metric name"},
        "text": _text_info(scored, skipped, scorer),
        "metrics": metrics,
        "comparisons": comparisons,
        "confusion": {m: {k: np.asarray(v).tolist() for k, v in s.confusion.items()}
                      for m, s in scored.items()},
        "feature_accuracy": _feature_accuracy(scored),
        "timing_s": {"bootstrap": round(boot_seconds, 3),
                     "total": round(time.perf_counter() - started, 3)},
        "id_column": id_column(alignment.gold, gold_path),
    }
    if out_dir is not None:
        from radlite.evaluate.report import write_report

        write_report(result, Path(out_dir), plots=plots, distributions=dists)
    return result


def _compare(scored, specs, points, dists, baseline, test, alpha, rng, n_boot) -> list[dict]:
    rows = []
    for model in scored:
        if model == baseline:
            continue
        for s in (s for s in specs if s.compare):
            if test == "permutation":
                c = paired_permutation(scored[baseline].counts[s.key], scored[model].counts[s.key],
                                       s.fn, rng, n_boot)
            else:
                c = compare_from_distributions(points[baseline][s.id], points[model][s.id],
                                               dists[baseline][s.id], dists[model][s.id], alpha)
            rows.append({"model": model, "baseline": baseline, "metric": s.metric,
                         "feature": s.feature, **asdict(c)})
    by_metric: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_metric.setdefault(r["metric"], []).append(i)
    for idx in by_metric.values():
        for i, adj in zip(idx, holm([rows[i]["p_value"] for i in idx]), strict=True):
            rows[i]["p_adjusted"] = adj
    return rows


def _feature_accuracy(scored: dict[str, ScoredModel]) -> dict[str, Any]:
    out = {}
    for m, s in scored.items():
        if s.feature_correct is not None:
            out[m] = dict(zip(s.features, s.feature_correct.mean(axis=0).tolist(), strict=True))
    return out


def _text_info(scored: dict[str, ScoredModel], skipped: dict[str, str],
               scorer: text_tasks.FactualScorer | None = None) -> dict[str, Any]:
    first = next(iter(scored.values()))
    if "notes" not in first.extra:
        return {}
    out = {"notes": first.extra["notes"], "skipped": skipped,
           "per_item": {m: s.extra["per_item"] for m, s in scored.items()}}
    if scorer is not None:
        out["factual_models"] = scorer.info()
    return out
