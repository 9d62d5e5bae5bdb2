"""What a task scorer hands to the evaluation runner.

Key term: a *scored model*: per-report count arrays (see
``radlite.evaluate.bootstrap``) plus a per-report, per-feature correctness matrix
for the heatmap. A task also declares its *metric specs*: which count array and
which count metric give each reported number, and whether models are compared on
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from radlite.evaluate import classification as cls
from radlite.evaluate.bootstrap import MetricFn


@dataclass(frozen=True)
class MetricSpec:
    """One reported number: ``fn(summed counts[key])``."""

    metric: str
    key: str
    fn: MetricFn
    feature: str = ""
    compare: bool = False
    headline: bool = False

    @property
    def id(self) -> str:
        """Unique id, e.g. ``"mcc"`` or ``"f1[liver]"``."""
        return f"{self.metric}[{self.feature}]" if self.feature else self.metric


@dataclass
class ScoredModel:
    """Per-report counts of one model, in the alignment's report order."""

    counts: dict[str, np.ndarray]
    feature_correct: np.ndarray | None = None
    features: list[str] = field(default_factory=list)
    confusion: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def binary_label_specs(
    key: str,
    labels: list[str],
    prefix: str = "",
    compare_labels: bool = True,
    headline: tuple[str, ...] = ("accuracy", "mcc"),
) -> list[MetricSpec]:
    """Per-label, micro and macro specs for ``(n, n_labels, 4)`` binary counts.

    Args:
        key: count key of the ``[tp, fp, fn, tn]`` array.
        labels: label names in count order.
        prefix: metric-name prefix for several views of one task (``"mention_"``).
        compare_labels: also compare models per label (not only micro/macro).
        headline: micro metrics shown in the forest plot.
    """
    specs = []
    for name, fn in cls.BINARY_METRICS.items():
        specs.append(
            MetricSpec(f"{prefix}{name}_micro", key, cls.micro(fn), compare=True,
                       headline=name in headline)
        )
        specs.append(MetricSpec(f"{prefix}{name}_macro", key, cls.macro(fn), compare=True))
        for i, label in enumerate(labels):
            specs.append(
                MetricSpec(f"{prefix}{name}", key, cls.select(fn, i), feature=label,
                           compare=compare_labels)
            )
    return specs


def binary_confusions(counts: np.ndarray, labels: list[str]) -> dict[str, np.ndarray]:
    """2x2 confusion matrices ``[[tn, fp], [fn, tp]]`` per label from binary counts."""
    total = counts.sum(axis=0)
    out = {}
    for i, label in enumerate(labels):
        tp, fp, fn, tn = total[i]
        out[label] = np.array([[tn, fp], [fn, tp]])
    return out
