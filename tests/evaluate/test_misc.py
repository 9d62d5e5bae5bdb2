"""Consistency check, perturbations, reader-study statistics and the impression task."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein
from sklearn.metrics import cohen_kappa_score

from radlite.evaluate import consistency, perturb, reader_study
from radlite.evaluate.runner import evaluate_task

from .conftest import write_csv


def test_consistency_flags():
    src = "No pneumothorax. Small left pleural effusion measuring 12 mm."
    flags = consistency.check(src, "Small pneumothorax. Right pleural effusion, 1.2 cm. Mass 3 cm.")
    assert {(f.kind, f.item) for f in flags} == {
        ("negation", "pneumothorax"), ("laterality", "pleural effusion"), ("measurement", "30 mm")}
    assert consistency.check(src, "No pneumothorax. Left pleural effusion (1.2 cm).") == []


def test_typos_rate_and_determinism():
    text = "the liver shows a hypervascular lesion with washout " * 40
    a = perturb.typos(text, 0.03, random.Random(1))
    assert a == perturb.typos(text, 0.03, random.Random(1))
    assert perturb.typos(text, 0.0, random.Random(1)) == text
    letters = sum(c.isalpha() for c in text)
    edits = Levenshtein.distance(text, a)  # a swap counts as 2 edits
    assert 0.3 * 0.03 * letters < edits < 2.5 * 0.03 * letters
    assert perturb.typos("12, 3.5 / 7", 1.0, np.random.default_rng(0)) == "12, 3.5 / 7"


def test_abbreviations_and_sections():
    assert perturb.expand_abbreviations("APHE in S8; HCC.") == (
        "arterial phase hyperenhancement in S8; hepatocellular carcinoma.")
    text = "FINDINGS: a.\nIMPRESSION: b.\nCOMPARISON: c.\n"
    shuffled = perturb.shuffle_sections(text, random.Random(3))
    assert sorted(shuffled.splitlines()) == sorted(text.splitlines())


def test_cohen_kappa_matches_sklearn():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, 50)
    b = np.where(rng.random(50) < 0.7, a, rng.integers(0, 3, 50))
    table = np.zeros((3, 3))
    np.add.at(table, (a, b), 1)
    assert reader_study.cohen_kappa(table) == pytest.approx(cohen_kappa_score(a, b))


def test_fleiss_kappa_wikipedia_example():
    m = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
                  [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
                  [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert reader_study.fleiss_kappa(reader_study.fleiss_counts(m).sum(axis=0)) == pytest.approx(
        0.20993, abs=1e-4)


def test_reader_study_summary():
    rng = random.Random(0)
    rows = [{"id": str(i), "rater": r, "rating": rng.choice(["better", "equal", "worse"])}
            for i in range(30) for r in ("r1", "r2", "r3")]
    s = reader_study.summarise(rows, np.random.default_rng(0), n_boot=500)
    share = sum(r["rating"] == "better" for r in rows) / len(rows)
    assert s.proportions["better"].value == pytest.approx(share)
    assert set(s.cohen) == {"r1|r2", "r1|r3", "r2|r3"} and s.fleiss is not None


def test_impression_task_without_model_metrics(tmp_path):
    gold = [{"id": "a", "findings": "No pneumothorax. Small left effusion.",
             "impression": "Small left effusion."},
            {"id": "b", "findings": "Clear lungs.", "impression": "No acute disease."}]
    pred = [{"id": "a", "impression": "Small left effusion.", "flags": "[]"},
            {"id": "b", "impression": "Pneumothorax.", "flags": "[]"}]
    g = write_csv(tmp_path / "g.csv", gold, ["id", "findings", "impression"])
    p = write_csv(tmp_path / "p.csv", pred, ["id", "impression", "flags"])
    res = evaluate_task("impression", g, {"m": p}, n_boot=200, plots=False,
                        text_metrics=["bleu", "rouge", "consistency"])
    values = {r["metric"]: r["value"] for r in res["metrics"]}
    assert values["rouge1"] == pytest.approx(0.5)
    assert values["consistency"] == pytest.approx(1.0)
