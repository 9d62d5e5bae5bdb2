"""Per-item text scores with the counts a report-level bootstrap resamples."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from radlite.evaluate.bootstrap import MetricFn
from radlite.evaluate.classification import accuracy as _ratio


@dataclass(frozen=True)
class TextScore:
    """Per-item scores plus the corpus score of one text metric."""

    name: str
    per_item: np.ndarray
    corpus: float
    counts: np.ndarray = field(repr=False)
    fn: MetricFn = field(repr=False)
    note: str = ""


def mean_score(name: str, values: np.ndarray | list[float], note: str = "") -> TextScore:
    """A metric whose corpus score is the mean of its per-item scores."""
    values = np.asarray(values, dtype=float)
    counts = np.stack([values, np.ones_like(values)], axis=1)
    return TextScore(name, values, float(values.mean()) if len(values) else float("nan"),
                     counts, _ratio, note)


def check_pairs(hypotheses: list[str], references: list[str]) -> None:
    """Raise ValueError unless there is one reference per hypothesis."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
