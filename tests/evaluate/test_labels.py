"""abdct, chest (CheXpert) and chestxray14 scoring against scikit-learn and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau
from sklearn.metrics import f1_score, matthews_corrcoef

from radlite.evaluate import evaluate_task
from radlite.evaluate.labels import abdct_columns, chestxray14_labels, chexpert_labels

from .conftest import write_csv


def _metric(res, model, metric, feature=""):
    return next(r["value"] for r in res["metrics"]
                if r["model"] == model and r["metric"] == metric and r["feature"] == feature)


def test_abdct_per_organ_micro_and_urgency(tmp_path):
    organs, groups, cols = abdct_columns()
    rng = np.random.default_rng(0)
    n = 40
    gold = rng.integers(0, 2, size=(n, len(cols)))
    pred = np.where(rng.random(gold.shape) < 0.85, gold, 1 - gold)
    g_urg = rng.integers(-1, 4, size=(n, len(organs)))
    p_urg = np.clip(g_urg + rng.integers(-1, 2, size=g_urg.shape), -1, 3)

    def rows(lab, urg):
        out = []
        for i in range(n):
            r = {"id": str(i), **{c: str(v) for c, v in zip(cols, lab[i], strict=True)}}
            r.update({f"{o}_urgency": ("" if u < 0 else str(u)) for o, u in zip(organs, urg[i],
                                                                                  strict=True)})
            out.append(r)
        return out

    header = ["id", *cols, *[f"{o}_urgency" for o in organs]]
    g = write_csv(tmp_path / "g.csv", rows(gold, g_urg), header)
    p = write_csv(tmp_path / "p.csv", rows(pred, p_urg), header)
    res = evaluate_task("abdct", g, {"m": p}, n_boot=200, plots=False)
    assert _metric(res, "m", "f1_micro") == pytest.approx(f1_score(gold.ravel(), pred.ravel()))
    liver = [i for i, c in enumerate(cols) if c.startswith("liver_")]
    assert _metric(res, "m", "mcc", "liver") == pytest.approx(
        matthews_corrcoef(gold[:, liver].ravel(), pred[:, liver].ravel()))
    tau = kendalltau(g_urg.ravel(), p_urg.ravel(), variant="b").statistic
    assert _metric(res, "m", "urgency_kendall_tau_b") == pytest.approx(tau)


def _chex(rng, n):
    labels = chexpert_labels()
    vals = rng.choice(np.array(["1", "0", "-1", ""], dtype=object), size=(n, len(labels)),
                      p=[0.2, 0.3, 0.1, 0.4])
    return labels, vals


def test_chest_views(tmp_path):
    rng = np.random.default_rng(1)
    labels, gold = _chex(rng, 50)
    _, noise = _chex(rng, 50)
    pred = np.where(rng.random(gold.shape) < 0.8, gold, noise)
    header = ["id", *labels]
    mk = lambda v: [{"id": str(i), **dict(zip(labels, v[i], strict=True))} for i in range(50)]  # noqa: E731
    g = write_csv(tmp_path / "g.csv", mk(gold), header)
    p = write_csv(tmp_path / "p.csv", mk(pred), header)
    res = evaluate_task("chest", g, {"m": p}, n_boot=200, plots=False)
    pos_g, pos_p = (gold == "1").ravel(), (pred == "1").ravel()
    assert _metric(res, "m", "positive_f1_micro") == pytest.approx(f1_score(pos_g, pos_p))
    men_g, men_p = (gold != "").ravel(), (pred != "").ravel()
    assert _metric(res, "m", "mention_f1_micro") == pytest.approx(f1_score(men_g, men_p))
    assert _metric(res, "m", "accuracy") == pytest.approx((gold == pred).mean())
    unc = (gold[:, 4] == "-1"), (pred[:, 4] == "-1")
    assert _metric(res, "m", "uncertain_mcc", labels[4]) == pytest.approx(
        matthews_corrcoef(*unc))


def test_chestxray14_uid_column_and_macro(tmp_path):
    labels = chestxray14_labels()
    rng = np.random.default_rng(2)
    gold = rng.integers(0, 2, size=(30, len(labels)))
    pred = np.where(rng.random(gold.shape) < 0.9, gold, 1 - gold)
    g = write_csv(tmp_path / "g.csv", [{"uid": str(i), **dict(zip(labels, gold[i], strict=True))}
                                       for i in range(30)], ["uid", *labels])
    p = write_csv(tmp_path / "p.csv", [{"id": str(i), **dict(zip(labels, pred[i], strict=True))}
                                       for i in range(30)], ["id", *labels])
    res = evaluate_task("chestxray14", g, {"m": p}, n_boot=200, plots=False)
    assert _metric(res, "m", "f1_macro") == pytest.approx(
        f1_score(gold, pred, average="macro", zero_division=0))
