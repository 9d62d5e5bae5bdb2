"""LI-RADS scoring (``../shared/specs/lirads-features.md``, section Scoring).

Key term: an *observation*: one feature of one report. A report contributes 12
observations. ``size`` and ``location`` are correct on exact match (both empty is
correct); the 10 binary features are correct when the prediction equals gold. A
missing or unparseable prediction is wrong. Accuracy = correct / all
observations; MCC is pooled over the 10 binary features (micro) and per feature.

``score_values`` is the per-report scorer the GRPO reward builds on; it does no
I/O and costs a few microseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radlite.evaluate import classification as cls
from radlite.evaluate.io import normalise
from radlite.evaluate.spec import MetricSpec, ScoredModel, binary_confusions, binary_label_specs
from radlite.schemas import lirads_binary_features, lirads_features

FEATURES: list[str] = lirads_features()
BINARY: list[str] = lirads_binary_features()
EXACT: list[str] = [f for f in FEATURES if f not in BINARY]


def score_values(gold: dict[str, Any], pred: dict[str, Any]) -> dict[str, bool]:
    """Per-feature correctness of one report's prediction.

    Values may be Python ints/None or strings as read from CSV: ``""``, ``"nan"``
    and None mean empty; ``"25.0"`` equals 25. Both empty counts as correct.

    Args:
        gold: feature -> gold value (missing keys are empty).
        pred: feature -> predicted value (missing keys are empty).

    Returns:
        feature -> correct, for the 12 LI-RADS features in spec order.
    """
    return {f: normalise(gold.get(f)) == normalise(pred.get(f)) for f in FEATURES}


def _binary_code(value: Any) -> int:
    v = normalise(value)
    return v if v in (0, 1) else cls.MISSING


def score_lirads(gold_rows: list[dict], pred_rows: list[dict | None]) -> ScoredModel:
    """Count arrays of one model over aligned reports (None = missing prediction)."""
    n = len(gold_rows)
    correct = np.zeros((n, len(FEATURES)), dtype=bool)
    gold_bin = np.zeros((n, len(BINARY)), dtype=np.int64)
    pred_bin = np.full((n, len(BINARY)), cls.MISSING, dtype=np.int64)
    for i, (g, p) in enumerate(zip(gold_rows, pred_rows, strict=True)):
        gold_bin[i] = [max(_binary_code(g.get(f)), 0) for f in BINARY]
        if p is None or str(p.get("status", "ok")) == "failed":
            continue  # a missing or failed prediction is wrong on every feature
        correct[i] = list(score_values(g, p).values())
        pred_bin[i] = [_binary_code(p.get(f)) for f in BINARY]
    binary = cls.binary_counts(gold_bin, pred_bin)
    exact_idx = [FEATURES.index(f) for f in EXACT]
    return ScoredModel(
        counts={
            "observations": cls.correct_counts(correct),
            "binary": binary,
            "per_feature": np.stack([correct, np.ones_like(correct)], axis=-1).astype(np.int64),
            "exact": cls.correct_counts(correct[:, exact_idx]),
        },
        feature_correct=correct,
        features=FEATURES,
        confusion=binary_confusions(binary, BINARY),
    )


def _feature_accuracy(i: int):
    def fn(c: np.ndarray) -> np.ndarray:
        return cls.accuracy(c[..., i, :])

    return fn


def lirads_specs() -> list[MetricSpec]:
    """Accuracy over 12 observations, pooled/per-feature MCC and friends."""
    specs = [
        MetricSpec("accuracy", "observations", cls.accuracy, compare=True, headline=True),
        MetricSpec("mcc", "binary", cls.micro(cls.mcc), compare=True, headline=True),
        MetricSpec("exact_match_size_location", "exact", cls.accuracy, compare=True),
    ]
    specs += [
        MetricSpec("feature_accuracy", "per_feature", _feature_accuracy(i), feature=f,
                   compare=True)
        for i, f in enumerate(FEATURES)
    ]
    specs += [
        s for s in binary_label_specs("binary", BINARY, headline=())
        if s.metric != "mcc_micro"  # same number as "mcc" above
    ]
    return specs
