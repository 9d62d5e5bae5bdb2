"""Classification count metrics against scikit-learn and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau
from sklearn.metrics import f1_score, matthews_corrcoef, precision_score, recall_score

from radlite.evaluate import classification as cls


@pytest.fixture
def binary_data():
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 2, size=(80, 5))
    pred = np.where(rng.random((80, 5)) < 0.8, gold, 1 - gold)
    return gold, pred


def test_per_label_metrics_match_sklearn(binary_data):
    gold, pred = binary_data
    total = cls.binary_counts(gold, pred).sum(axis=0)
    for j in range(5):
        g, p = gold[:, j], pred[:, j]
        assert cls.mcc(total[j]) == pytest.approx(matthews_corrcoef(g, p))
        assert cls.f1(total[j]) == pytest.approx(f1_score(g, p))
        assert cls.precision(total[j]) == pytest.approx(precision_score(g, p))
        assert cls.recall(total[j]) == pytest.approx(recall_score(g, p))
        assert cls.specificity(total[j]) == pytest.approx(recall_score(g, p, pos_label=0))


def test_micro_and_macro_match_sklearn(binary_data):
    gold, pred = binary_data
    total = cls.binary_counts(gold, pred).sum(axis=0)
    assert cls.micro(cls.f1)(total) == pytest.approx(f1_score(gold, pred, average="micro"))
    assert cls.macro(cls.f1)(total) == pytest.approx(f1_score(gold, pred, average="macro"))
    pooled = matthews_corrcoef(gold.ravel(), pred.ravel())
    assert cls.micro(cls.mcc)(total) == pytest.approx(pooled)


def test_missing_prediction_is_wrong():
    gold = np.array([[1, 0]])
    pred = np.array([[cls.MISSING, cls.MISSING]])
    c = cls.binary_counts(gold, pred)[0]
    assert c[0].tolist() == [0, 0, 1, 0]  # fn
    assert c[1].tolist() == [0, 1, 0, 0]  # fp


def test_mcc_degenerate_is_zero_like_sklearn():
    assert cls.mcc(np.array([5, 0, 0, 0])) == matthews_corrcoef([1] * 5, [1] * 5) == 0


def test_kendall_tau_b_matches_scipy():
    rng = np.random.default_rng(3)
    for _ in range(5):
        gold = rng.integers(0, 5, size=(40, 3))
        pred = np.clip(gold + rng.integers(-1, 2, size=gold.shape), 0, 4)
        table = cls.contingency_counts(gold, pred, 5).sum(axis=0)
        expected = kendalltau(gold.ravel(), pred.ravel(), variant="b").statistic
        assert cls.kendall_tau_b(table) == pytest.approx(expected)
        assert cls.table_accuracy(table) == pytest.approx((gold == pred).mean())


def test_kendall_tau_b_vectorised_over_resamples():
    tables = np.array([[[3, 1], [0, 4]], [[2, 2], [2, 2]]])
    out = cls.kendall_tau_b(tables)
    assert out[0] == pytest.approx(kendalltau([0] * 4 + [1] * 4, [0, 0, 0, 1, 1, 1, 1, 1]).statistic)
    assert out[1] == pytest.approx(0.0)
