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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import ConfigError, InputError
from radlite.evaluate import text_tasks
from radlite.evaluate.bootstrap import (
    compare_from_distributions,
    holm,
    joint_bootstrap,
    paired_permutation,
    percentile_interval,
)
from radlite.evaluate.io import Alignment, align, id_column
from radlite.evaluate.scoring import ScoringContext, ScoringMethod, scoring_method
from radlite.evaluate.spec import ScoredModel
from radlite.tasks import registry
from radlite.tasks.spec import resolve


@dataclass(frozen=True)
class TaskScoring:
    """A task's evaluation resolved for one run: the name asked for, columns and method."""

    name: str
    task: str
    options: dict[str, Any]
    columns: list[str]
    method: ScoringMethod


def eval_names() -> list[str]:
    """Names ``radlite eval`` accepts: every evaluable task and its aliases."""
    return registry.names(aliases=True, evaluable=True)


def task_scoring(task: str, options: dict[str, Any] | None = None) -> TaskScoring:
    """Resolve ``task`` (a name or alias) and its options to columns and a scoring method.

    Raises:
        InputError: unknown task, or a task that cannot be evaluated.
    """
    try:
        spec, implied = registry.lookup(task)
        chosen = {**implied, **{k: v for k, v in (options or {}).items() if v is not None}}
        evaluation = spec.evaluation(chosen)
        method = scoring_method(evaluation)
    except ConfigError as exc:
        raise InputError(f"cannot evaluate {task!r}: {exc}") from None
    columns = (list(resolve(evaluation.columns)()) if evaluation.columns is not None
               else spec.create(**chosen).columns())
    return TaskScoring(task, spec.name, chosen, columns, method)


def _check_columns(scoring: TaskScoring, alignment: Alignment) -> None:
    need = scoring.columns
    missing = [c for c in need if c not in alignment.gold[0]]
    if missing:
        raise InputError(f"gold file lacks {scoring.name} columns: {', '.join(missing[:8])}")
    if scoring.method.text:
        return
    for name, rows in alignment.preds.items():
        first = next((r for r in rows if r is not None and r.get("status") != "failed"), None)
        if first is None:
            continue
        absent = [c for c in need if c not in first]
        if absent:
            raise InputError(f"prediction {name!r} lacks columns: {', '.join(absent[:8])}")


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
    task_options: dict[str, Any] | None = None,
    raw_csv: bool = False,
) -> dict[str, Any]:
    """Evaluate prediction files against gold for one task.

    Args:
        task: a registered task name or alias (see :func:`eval_names`).
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
        task_options: task options that choose the evaluation (``{"labels":
            "chestxray14"}`` for chest); an alias implies its own.
        raw_csv: write the CSV tables' cells as they are (default: spreadsheet-safe,
            see :mod:`radlite.core.csvsafe`).

    Returns:
        JSON-ready dict: ``metrics`` rows (model, metric, feature, value, ci_low,
        ci_high), ``comparisons`` rows, ``ids`` (missing/extra/failed), settings.
    """
    scoring = task_scoring(task, task_options)
    if not preds:
        raise InputError("give at least one prediction file (--pred NAME=FILE)")
    if test not in {"bootstrap", "permutation"}:
        raise InputError(f"test must be 'bootstrap' or 'permutation', not {test!r}")
    baseline = baseline or next(iter(preds))
    if baseline not in preds:
        raise InputError(f"baseline {baseline!r} is not one of the predictions")
    if factual is not None and factual.active and not scoring.method.factual:
        raise ConfigError("NLI and F1-RadGraph metrics are available for the impression task "
                          f"only, not {task!r}")
    started = time.perf_counter()
    alignment = align(gold_path, preds, on_missing)
    _check_columns(scoring, alignment)
    families, skipped = ([], {})
    if scoring.method.text:
        families, skipped = text_tasks.resolve_metrics(text_metrics)
    scorer = (text_tasks.FactualScorer(factual, alignment.gold, alignment.ids)
              if factual is not None and factual.active else None)
    scored = {name: scoring.method.score(
                  alignment.gold, rows,
                  ScoringContext(scoring.columns, families, encoder_path, scorer, name))
              for name, rows in alignment.preds.items()}
    specs = scoring.method.specs(scored[baseline], scoring.columns)
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
        "evaluation": {"task": scoring.task, "options": scoring.options},
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

        write_report(result, Path(out_dir), plots=plots, distributions=dists, raw_csv=raw_csv)
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
