"""Reader-study summaries: rating proportions with CIs and inter-rater agreement.

Key term: a *rating*, one rater's category for one case (e.g. a generated
impression rated ``better``/``equal``/``worse`` than the reference). Input is a
long CSV with one row per (case, rater). Proportions and kappas get CIs from a
case-level cluster bootstrap; both are count metrics (see
``radlite.evaluate.bootstrap``): proportions from per-case category counts,
Cohen's kappa from per-case rater-1 x rater-2 tables, Fleiss' kappa from
per-case category counts plus the per-case agreement P_i.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core.errors import InputError
from radlite.evaluate.bootstrap import Estimate, cluster_bootstrap
from radlite.evaluate.io import read_rows


def cohen_kappa(table: np.ndarray) -> np.ndarray:
    """Cohen's kappa from rater-1 x rater-2 tables ``(..., K, K)``."""
    t = np.asarray(table, dtype=float)
    n = t.sum(axis=(-2, -1))
    po = np.trace(t, axis1=-2, axis2=-1) / n
    pe = (t.sum(axis=-1) * t.sum(axis=-2)).sum(axis=-1) / n**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


def fleiss_counts(category_counts: np.ndarray) -> np.ndarray:
    """Per-case Fleiss inputs ``[P_i, 1, n_i1..n_iK]`` from ``(n_cases, K)`` counts."""
    c = np.asarray(category_counts, dtype=float)
    m = c.sum(axis=1)
    if np.any(m < 2) or np.any(m != m[0]):
        raise InputError("Fleiss' kappa needs the same number (>= 2) of ratings per case")
    p_i = ((c**2).sum(axis=1) - m) / (m * (m - 1))
    return np.concatenate([p_i[:, None], np.ones((len(c), 1)), c], axis=1)


def fleiss_kappa(counts: np.ndarray) -> np.ndarray:
    """Fleiss' kappa from summed ``fleiss_counts`` ``(..., 2 + K)``."""
    c = np.asarray(counts, dtype=float)
    p_bar = c[..., 0] / c[..., 1]
    cats = c[..., 2:]
    p_j = cats / cats.sum(axis=-1, keepdims=True)
    pe = (p_j**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pe < 1, (p_bar - pe) / (1 - pe), np.nan)


@dataclass(frozen=True)
class ReaderSummary:
    """Proportions per category, kappas (None when not computable) and counts."""

    n_cases: int
    raters: list[str]
    categories: list[str]
    proportions: dict[str, Estimate]
    cohen: dict[str, Estimate]
    fleiss: Estimate | None


def summarise(
    rows: list[dict[str, Any]], rng: np.random.Generator, n_boot: int = 10_000,
    case_col: str = "id", rater_col: str = "rater", rating_col: str = "rating",
    categories: list[str] | None = None, alpha: float = 0.05,
) -> ReaderSummary:
    """Summarise a reader study from long rows (one per case x rater).

    Args:
        rows: dicts with case, rater and rating columns.
        rng: source of randomness.
        n_boot: bootstrap resamples.
        case_col: case id column.
        rater_col: rater column.
        rating_col: rating column.
        categories: category order (default: sorted distinct ratings).
        alpha: 1 - confidence level.
    """
    for col in (case_col, rater_col, rating_col):
        if rows and col not in rows[0]:
            raise InputError(f"reader-study CSV lacks column {col!r}")
    ratings = {(str(r[case_col]), str(r[rater_col])): str(r[rating_col]).strip() for r in rows
               if str(r[rating_col]).strip()}
    cases = sorted({c for c, _ in ratings})
    raters = sorted({r for _, r in ratings})
    cats = categories or sorted(set(ratings.values()))
    idx = {c: i for i, c in enumerate(cats)}
    per_case = np.zeros((len(cases), len(cats)))
    for (case, _), value in ratings.items():
        if value not in idx:
            raise InputError(f"rating {value!r} is not one of {cats}")
        per_case[cases.index(case), idx[value]] += 1
    props = {}
    for j, cat in enumerate(cats):
        counts = np.stack([per_case[:, j], per_case.sum(axis=1)], axis=1)
        props[cat] = cluster_bootstrap(counts, lambda c: c[..., 0] / c[..., 1], rng, n_boot, alpha)
    cohen = {}
    for a_i, a in enumerate(raters):
        for b in raters[a_i + 1:]:
            tables = np.zeros((len(cases), len(cats), len(cats)))
            for k, case in enumerate(cases):
                if (case, a) in ratings and (case, b) in ratings:
                    tables[k, idx[ratings[case, a]], idx[ratings[case, b]]] = 1
            cohen[f"{a}|{b}"] = cluster_bootstrap(tables, cohen_kappa, rng, n_boot, alpha)
    fleiss = None
    sizes = per_case.sum(axis=1)
    if len(raters) >= 2 and np.all(sizes == sizes[0]) and sizes[0] >= 2:
        fleiss = cluster_bootstrap(fleiss_counts(per_case), fleiss_kappa, rng, n_boot, alpha)
    return ReaderSummary(len(cases), raters, cats, props, cohen, fleiss)


def summarise_file(path: str | Path, rng: np.random.Generator, **kwargs: Any) -> ReaderSummary:
    """``summarise`` over a CSV/JSONL file."""
    return summarise(read_rows(path), rng, **kwargs)
