"""LI-RADS per-report scoring and the end-to-end evaluation."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef

from radlite.core.errors import InputError
from radlite.evaluate import evaluate_task
from radlite.evaluate.lirads import BINARY, FEATURES, score_values


def test_score_values_normalises_csv_strings():
    gold = {"size": "25", "location": "", "cld": "1", "aphe": 0}
    pred = {"size": "25.0", "location": "nan", "cld": 1, "aphe": "0", "washout": None}
    out = score_values(gold, pred)
    assert list(out) == FEATURES
    assert out["size"] and out["location"] and out["cld"] and out["aphe"]
    assert out["washout"]  # both empty
    assert not score_values({"size": 25}, {"size": 26})["size"]
    assert not score_values({"location": 5}, {"location": ""})["location"]


def test_score_values_is_cheap():
    import time

    g = {f: "1" for f in FEATURES}
    start = time.perf_counter()
    for _ in range(2000):
        score_values(g, g)
    assert (time.perf_counter() - start) / 2000 < 1e-3


def _read(path):
    with open(path, newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def test_evaluate_lirads_hand_counts(lirads_files, tmp_path):
    res = evaluate_task("lirads", lirads_files["gold"],
                        {"good": lirads_files["good"], "bad": lirads_files["bad"]},
                        tmp_path / "rep", n_boot=500, seed=1)
    gold, bad = _read(lirads_files["gold"]), _read(lirads_files["bad"])
    correct, g_bin, p_bin = 0, [], []
    for rid, g in gold.items():
        p = bad.get(rid)
        ok = p is not None and p["status"] == "ok"
        s = score_values(g, p) if ok else dict.fromkeys(FEATURES, False)
        correct += sum(s.values())
        for f in BINARY:
            g_bin.append(int(g[f]))
            p_bin.append(int(p[f]) if ok else 1 - int(g[f]))  # missing/failed = wrong
    rows = {(r["model"], r["metric"], r["feature"]): r for r in res["metrics"]}
    assert rows["bad", "accuracy", ""]["value"] == pytest.approx(correct / (12 * len(gold)))
    assert rows["bad", "mcc", ""]["value"] == pytest.approx(matthews_corrcoef(g_bin, p_bin))
    for r in res["metrics"]:
        if np.isfinite(r["ci_low"]):
            assert r["ci_low"] - 1e-6 <= r["value"] <= r["ci_high"] + 1e-6
    ids = res["ids"]["models"]["bad"]
    assert ids["missing_ids"] == ["r3"] and ids["extra_ids"] == ["zz"] and ids["n_failed"] == 1
    comp = next(c for c in res["comparisons"] if c["metric"] == "accuracy" and not c["feature"])
    assert comp["difference"] < 0 and comp["p_adjusted"] >= comp["p_value"]
    out = tmp_path / "rep"
    assert json.loads((out / "results.json").read_text())["task"] == "lirads"
    for name in ("metrics.csv", "comparisons.csv", "ids.csv", "report.html",
                 "plots/forest.png", "plots/feature_accuracy.png"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "http" not in html.split("<body>")[1][:2000]


def test_seeded_results_are_reproducible(lirads_files):
    kw = {"n_boot": 300, "seed": 4, "plots": False}
    a = evaluate_task("lirads", lirads_files["gold"], {"m": lirads_files["good"]}, **kw)
    b = evaluate_task("lirads", lirads_files["gold"], {"m": lirads_files["good"]}, **kw)
    assert a["metrics"] == b["metrics"]


def test_drop_mode_and_errors(lirads_files):
    res = evaluate_task("lirads", lirads_files["gold"],
                        {"good": lirads_files["good"], "bad": lirads_files["bad"]},
                        n_boot=100, on_missing="drop", plots=False)
    assert res["n_reports"] == 59
    with pytest.raises(InputError):
        evaluate_task("nope", lirads_files["gold"], {"m": lirads_files["good"]})
    with pytest.raises(InputError):
        evaluate_task("lirads", lirads_files["gold"], {"m": lirads_files["good"]}, baseline="x")


def test_permutation_option(lirads_files):
    res = evaluate_task("lirads", lirads_files["gold"],
                        {"good": lirads_files["good"], "bad": lirads_files["bad"]},
                        n_boot=500, test="permutation", plots=False)
    comp = next(c for c in res["comparisons"] if c["metric"] == "accuracy" and not c["feature"])
    assert comp["method"] == "paired_permutation" and comp["p_value"] < 0.05
