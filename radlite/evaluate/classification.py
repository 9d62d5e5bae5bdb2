"""Classification metrics as *count metrics* (see ``radlite.evaluate.bootstrap``).

Per-report counts are built once (``binary_counts``, ``correct_counts``,
``contingency_counts``); every metric below maps counts summed over reports, of
shape ``(..., k)``, to values of shape ``(...)``, so the same function serves the
point estimate and 10,000 bootstrap resamples at once.

Binary count layout (last axis): ``[tp, fp, fn, tn]``. A missing prediction
(failed extraction, absent id) is always scored as wrong: a false negative when
the gold label is 1 and a false positive when it is 0. Zero denominators give 0,
as scikit-learn does.
"""

from __future__ import annotations

import numpy as np

TP, FP, FN, TN = 0, 1, 2, 3
MISSING = -1


def binary_counts(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-report confusion counts for binary labels.

    Args:
        gold: ``(n_reports, n_labels)`` of 0/1 (report x label).
        pred: same shape, 0/1 or ``MISSING`` (-1).

    Returns:
        ``(n_reports, n_labels, 4)`` counts ``[tp, fp, fn, tn]``.
    """
    gold = np.asarray(gold)
    pred = np.asarray(pred)
    missing = pred == MISSING
    pos = gold == 1
    out = np.zeros(gold.shape + (4,), dtype=np.int64)
    out[..., TP] = pos & (pred == 1)
    out[..., FN] = pos & ((pred == 0) | missing)
    out[..., FP] = ~pos & ((pred == 1) | missing)
    out[..., TN] = ~pos & (pred == 0)
    return out


def correct_counts(correct: np.ndarray) -> np.ndarray:
    """``(n_reports, n_obs)`` booleans -> ``(n_reports, 2)`` counts ``[correct, total]``."""
    correct = np.asarray(correct, dtype=bool)
    return np.stack([correct.sum(axis=1), np.full(len(correct), correct.shape[1])], axis=1)


def contingency_counts(gold: np.ndarray, pred: np.ndarray, n_levels: int) -> np.ndarray:
    """Per-report gold x prediction tables for ordinal codes ``0..n_levels-1``.

    Args:
        gold: ``(n_reports, n_obs)`` integer codes.
        pred: same shape; codes outside ``0..n_levels-1`` are dropped.
        n_levels: number of ordinal levels.

    Returns:
        ``(n_reports, n_levels, n_levels)`` counts (rows gold, columns prediction).
    """
    gold = np.asarray(gold)
    pred = np.asarray(pred)
    n = gold.shape[0]
    valid = (gold >= 0) & (gold < n_levels) & (pred >= 0) & (pred < n_levels)
    cells = gold * n_levels + pred
    out = np.zeros((n, n_levels * n_levels), dtype=np.int64)
    rows = np.broadcast_to(np.arange(n)[:, None], gold.shape)
    np.add.at(out, (rows[valid], cells[valid]), 1)
    return out.reshape(n, n_levels, n_levels)


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def accuracy(counts: np.ndarray) -> np.ndarray:
    """``[correct, total]`` -> correct / total."""
    return _div(counts[..., 0], counts[..., 1])


def binary_accuracy(c: np.ndarray) -> np.ndarray:
    """``[tp, fp, fn, tn]`` -> (tp + tn) / all."""
    return _div(c[..., TP] + c[..., TN], c.sum(axis=-1))


def precision(c: np.ndarray) -> np.ndarray:
    """Positive predictive value tp / (tp + fp)."""
    return _div(c[..., TP], c[..., TP] + c[..., FP])


def recall(c: np.ndarray) -> np.ndarray:
    """Sensitivity tp / (tp + fn)."""
    return _div(c[..., TP], c[..., TP] + c[..., FN])


def specificity(c: np.ndarray) -> np.ndarray:
    """tn / (tn + fp)."""
    return _div(c[..., TN], c[..., TN] + c[..., FP])


def f1(c: np.ndarray) -> np.ndarray:
    """2 tp / (2 tp + fp + fn)."""
    return _div(2 * c[..., TP], 2 * c[..., TP] + c[..., FP] + c[..., FN])


def mcc(c: np.ndarray) -> np.ndarray:
    """Matthews correlation coefficient (0 when a marginal is empty)."""
    c = np.asarray(c, dtype=float)
    tp, fp, fn, tn = c[..., TP], c[..., FP], c[..., FN], c[..., TN]
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return _div(tp * tn - fp * fn, np.sqrt(den))


BINARY_METRICS = {
    "accuracy": binary_accuracy,
    "f1": f1,
    "precision": precision,
    "recall": recall,
    "specificity": specificity,
    "mcc": mcc,
}


def micro(metric):
    """Pool label counts ``(..., n_labels, 4)`` before applying ``metric``."""

    def pooled(c: np.ndarray) -> np.ndarray:
        return metric(c.sum(axis=-2))

    pooled.__name__ = f"micro_{metric.__name__}"
    return pooled


def macro(metric):
    """Average ``metric`` over the label axis of ``(..., n_labels, 4)`` counts."""

    def averaged(c: np.ndarray) -> np.ndarray:
        return metric(c).mean(axis=-1)

    averaged.__name__ = f"macro_{metric.__name__}"
    return averaged


def select(metric, index: int):
    """Apply ``metric`` to label ``index`` of ``(..., n_labels, 4)`` counts."""

    def one(c: np.ndarray) -> np.ndarray:
        return metric(c[..., index, :])

    return one


def kendall_tau_b(table: np.ndarray) -> np.ndarray:
    """Kendall tau-b from gold x prediction contingency tables ``(..., K, K)``.

    Concordant pairs P and discordant pairs Q come from 2-D cumulative sums;
    ties use the row (gold) and column (prediction) margins:
    ``tau_b = (P - Q) / sqrt((n0 - n1) (n0 - n2))``. Undefined (constant gold or
    prediction) gives NaN, as scipy does.
    """
    t = np.asarray(table, dtype=float)
    # below_right[i, j] = sum of t[i'>i, j'>j]; below_left[i, j] = sum of t[i'>i, j'<j]
    rev = t[..., ::-1, ::-1].cumsum(axis=-2).cumsum(axis=-1)[..., ::-1, ::-1]
    below_right = np.zeros_like(t)
    below_right[..., :-1, :-1] = rev[..., 1:, 1:]
    rl = t[..., ::-1, :].cumsum(axis=-2).cumsum(axis=-1)[..., ::-1, :]
    below_left = np.zeros_like(t)
    below_left[..., :-1, 1:] = rl[..., 1:, :-1]
    concordant = (t * below_right).sum(axis=(-2, -1))
    discordant = (t * below_left).sum(axis=(-2, -1))
    n = t.sum(axis=(-2, -1))
    n0 = n * (n - 1) / 2
    rows = t.sum(axis=-1)
    cols = t.sum(axis=-2)
    n1 = (rows * (rows - 1) / 2).sum(axis=-1)
    n2 = (cols * (cols - 1) / 2).sum(axis=-1)
    den = np.sqrt((n0 - n1) * (n0 - n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (concordant - discordant) / np.where(den > 0, den, 1), np.nan)


def table_accuracy(table: np.ndarray) -> np.ndarray:
    """Exact-match rate from contingency tables ``(..., K, K)``."""
    t = np.asarray(table, dtype=float)
    return _div(np.trace(t, axis1=-2, axis2=-1), t.sum(axis=(-2, -1)))
