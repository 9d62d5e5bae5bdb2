"""Report-level cluster bootstrap, paired comparisons and permutation tests.

Key term: a *count metric*. Every metric radlite bootstraps is a function of
per-report count arrays that add up over reports: accuracy from
``[correct, total]``, MCC/F1 from ``[tp, fp, fn, tn]``, Kendall tau-b from a
gold x prediction contingency table, corpus BLEU from n-gram match counts, a
mean text score from ``[score, 1]``. A cluster bootstrap resample of reports is
then a vector of multiplicities ``w`` (how often each report was drawn), and the
resampled counts are ``w @ counts``: 10,000 resamples are one matrix product.

Paired comparisons draw one weight matrix and apply it to both models' counts, so
both models are always scored on the same resampled reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

MetricFn = Callable[[np.ndarray], np.ndarray]
"""Maps summed counts of shape ``(..., *count_shape)`` to metric values ``(...)``."""

_CHUNK_CELLS = 4_000_000  # resamples x reports per weight block (~32 MB of float64)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a percentile bootstrap confidence interval."""

    value: float
    low: float
    high: float
    n_boot: int
    alpha: float


@dataclass(frozen=True)
class Comparison:
    """Difference ``b - a`` between two models on the same reports."""

    a: float
    b: float
    difference: float
    low: float
    high: float
    p_value: float
    method: str
    n_resamples: int
    p_adjusted: float | None = None


def resample_weights(
    n_reports: int, n_boot: int, rng: np.random.Generator, chunk: int | None = None
) -> Iterator[np.ndarray]:
    """Yield blocks of bootstrap multiplicities, shape ``(block, n_reports)``.

    Each row is one resample of ``n_reports`` reports drawn with replacement; entry
    ``[b, i]`` says how many times report ``i`` appears in resample ``b``.

    Args:
        n_reports: number of clusters (reports).
        n_boot: total number of resamples.
        rng: source of randomness.
        chunk: resamples per block (default: bounded memory).
    """
    if n_reports < 1:
        raise ValueError("bootstrap needs at least one report")
    chunk = chunk or max(1, _CHUNK_CELLS // n_reports)
    probs = np.full(n_reports, 1.0 / n_reports)
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        yield rng.multinomial(n_reports, probs, size=size).astype(np.float64)
        done += size


def _summed(weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    flat = counts.reshape(counts.shape[0], -1).astype(np.float64)
    return (weights @ flat).reshape((weights.shape[0],) + counts.shape[1:])


def bootstrap_distribution(
    counts: np.ndarray, metric: MetricFn, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Metric values over ``n_boot`` report-level resamples.

    Args:
        counts: per-report counts, shape ``(n_reports, *count_shape)``.
        metric: count metric (see module docstring).
        n_boot: number of resamples.
        rng: source of randomness.

    Returns:
        Array of shape ``(n_boot,)`` (NaN where the metric is undefined).
    """
    out = [metric(_summed(w, counts)) for w in resample_weights(len(counts), n_boot, rng)]
    return np.concatenate(out)


def percentile_interval(samples: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile interval ``[alpha/2, 1 - alpha/2]`` ignoring undefined resamples."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def cluster_bootstrap(
    counts: np.ndarray,
    metric: MetricFn,
    rng: np.random.Generator,
    n_boot: int = 10_000,
    alpha: float = 0.05,
) -> Estimate:
    """Point estimate and percentile CI from a report-level cluster bootstrap.

    Args:
        counts: per-report counts, shape ``(n_reports, *count_shape)``.
        metric: count metric.
        rng: source of randomness (seed it for reproducible intervals).
        n_boot: number of resamples.
        alpha: 1 - confidence level.
    """
    value = float(metric(counts.sum(axis=0, dtype=np.float64)))
    low, high = percentile_interval(bootstrap_distribution(counts, metric, n_boot, rng), alpha)
    return Estimate(value, low, high, n_boot, alpha)


def paired_bootstrap(
    counts_a: np.ndarray,
    counts_b: np.ndarray,
    metric: MetricFn,
    rng: np.random.Generator,
    n_boot: int = 10_000,
    alpha: float = 0.05,
) -> Comparison:
    """Paired cluster bootstrap of ``metric(b) - metric(a)``.

    Both models are scored on the same resampled reports (one weight matrix).
    The two-sided p-value is ``2 * min(P(d* <= 0), P(d* >= 0))`` with a +1
    correction, so p < alpha exactly when the percentile CI excludes 0.

    Args:
        counts_a: per-report counts of model a, ``(n_reports, ...)``.
        counts_b: per-report counts of model b, same shape and report order.
        metric: count metric.
        rng: source of randomness.
        n_boot: number of resamples.
        alpha: 1 - confidence level.
    """
    _check_paired(counts_a, counts_b)
    a = float(metric(counts_a.sum(axis=0, dtype=np.float64)))
    b = float(metric(counts_b.sum(axis=0, dtype=np.float64)))
    w_dists = [
        (metric(_summed(w, counts_a)), metric(_summed(w, counts_b)))
        for w in resample_weights(len(counts_a), n_boot, rng)
    ]
    dist_a = np.concatenate([x for x, _ in w_dists])
    dist_b = np.concatenate([y for _, y in w_dists])
    return compare_from_distributions(a, b, dist_a, dist_b, alpha)


def paired_permutation(
    counts_a: np.ndarray,
    counts_b: np.ndarray,
    metric: MetricFn,
    rng: np.random.Generator,
    n_perm: int = 10_000,
) -> Comparison:
    """Paired permutation (randomisation) test of ``metric(b) - metric(a)``.

    Under the null hypothesis the two models are exchangeable within a report, so
    each permutation swaps the two models' outputs for a random half of reports.
    p = (1 + #{|d*| >= |d|}) / (n_perm + 1). The CI fields are NaN (a permutation
    test gives no interval).
    """
    _check_paired(counts_a, counts_b)
    ca = counts_a.reshape(len(counts_a), -1).astype(np.float64)
    cb = counts_b.reshape(len(counts_b), -1).astype(np.float64)
    shape = counts_a.shape[1:]
    a = float(metric(ca.sum(0).reshape(shape)))
    b = float(metric(cb.sum(0).reshape(shape)))
    observed = b - a
    delta = cb - ca
    chunk = max(1, _CHUNK_CELLS // len(ca))
    extreme, done = 0, 0
    while done < n_perm:
        size = min(chunk, n_perm - done)
        swap = rng.integers(0, 2, size=(size, len(ca))).astype(np.float64)
        moved = swap @ delta
        pa = (ca.sum(0) + moved).reshape((size,) + shape)
        pb = (cb.sum(0) - moved).reshape((size,) + shape)
        d = metric(pb) - metric(pa)
        extreme += int(np.sum(np.abs(d) >= abs(observed) - 1e-12))
        done += size
    p = (extreme + 1) / (n_perm + 1)
    return Comparison(a, b, observed, float("nan"), float("nan"), p, "paired_permutation", n_perm)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values (same order as the input)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, (m - rank) * p[idx])
        adjusted[idx] = min(1.0, running)
    return adjusted.tolist()


def _check_paired(counts_a: np.ndarray, counts_b: np.ndarray) -> None:
    if counts_a.shape != counts_b.shape:
        raise ValueError(
            f"paired comparison needs the same reports: shapes {counts_a.shape} vs {counts_b.shape}"
        )


def joint_bootstrap(
    counts: dict[str, dict[str, np.ndarray]],
    metrics: dict[str, tuple[str, MetricFn]],
    rng: np.random.Generator,
    n_boot: int = 10_000,
) -> dict[str, dict[str, np.ndarray]]:
    """Bootstrap many metrics of many models with one shared set of resamples.

    Every model and metric sees the same resampled reports, so the difference of
    two models' distributions is the paired bootstrap distribution of the
    difference, and all intervals in one report are mutually consistent.

    Args:
        counts: model -> count key -> per-report counts ``(n_reports, ...)``; every
            array has the same reports in the same order.
        metrics: metric id -> (count key, count metric).
        rng: source of randomness.
        n_boot: number of resamples.

    Returns:
        model -> metric id -> ``(n_boot,)`` float32 resampled values.
    """
    n_reports = {len(a) for per_model in counts.values() for a in per_model.values()}
    if len(n_reports) != 1:
        raise ValueError(f"all count arrays need the same number of reports, got {n_reports}")
    (n,) = n_reports
    out = {m: {k: np.empty(n_boot, dtype=np.float32) for k in metrics} for m in counts}
    start = 0
    for w in resample_weights(n, n_boot, rng):
        stop = start + len(w)
        for model, per_key in counts.items():
            summed = {key: _summed(w, arr) for key, arr in per_key.items()}
            for metric_id, (key, fn) in metrics.items():
                out[model][metric_id][start:stop] = fn(summed[key])
        start = stop
    return out


def compare_from_distributions(
    a: float, b: float, dist_a: np.ndarray, dist_b: np.ndarray, alpha: float = 0.05
) -> Comparison:
    """Paired bootstrap comparison from two distributions drawn on shared resamples."""
    d = (dist_b.astype(np.float64) - dist_a.astype(np.float64))
    d = d[np.isfinite(d)]
    low, high = (round(x, 6) for x in percentile_interval(d, alpha))
    n = d.size
    p = 2 * min((np.sum(d <= 0) + 1) / (n + 1), (np.sum(d >= 0) + 1) / (n + 1))
    return Comparison(a, b, b - a, low, high, float(min(1.0, p)), "paired_bootstrap", len(dist_a))
