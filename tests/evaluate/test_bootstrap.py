"""Cluster bootstrap: coverage, pairing, permutation test, Holm, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.stats import permutation_test

from radlite.evaluate import classification as cls
from radlite.evaluate.bootstrap import (
    bootstrap_distribution,
    cluster_bootstrap,
    holm,
    joint_bootstrap,
    paired_bootstrap,
    paired_permutation,
)


def _clustered(rng, n_reports=60, per_report=6, p=0.8, sd=1.0):
    """Correlated observations within a report: logit p_i ~ N(logit p, sd)."""
    logit = np.log(p / (1 - p)) + rng.normal(0, sd, n_reports)
    p_i = 1 / (1 + np.exp(-logit))
    correct = rng.random((n_reports, per_report)) < p_i[:, None]
    return cls.correct_counts(correct)


def test_coverage_on_simulated_clustered_data():
    rng = np.random.default_rng(0)
    # true accuracy = E[p_i] under the logit-normal model, by large Monte Carlo
    logit = np.log(0.8 / 0.2) + rng.normal(0, 1.0, 2_000_000)
    truth = float(np.mean(1 / (1 + np.exp(-logit))))
    hits = []
    for _ in range(300):
        est = cluster_bootstrap(_clustered(rng), cls.accuracy, rng, n_boot=1000)
        hits.append(est.low <= truth <= est.high)
    coverage = np.mean(hits)
    assert 0.89 <= coverage <= 0.99, coverage


def test_naive_observation_bootstrap_would_undercover():
    """Sanity of the simulation: the cluster CI is wider than an observation-level one."""
    rng = np.random.default_rng(5)
    counts = _clustered(rng, sd=1.5)
    est = cluster_bootstrap(counts, cls.accuracy, rng, n_boot=2000)
    p = est.value
    naive_half = 1.96 * np.sqrt(p * (1 - p) / counts[:, 1].sum())
    assert (est.high - est.low) / 2 > naive_half


def test_paired_uses_same_resamples():
    rng = np.random.default_rng(1)
    a = _clustered(rng)
    b = _clustered(rng)
    same = paired_bootstrap(a, a, cls.accuracy, np.random.default_rng(7), n_boot=500)
    assert same.low == same.high == same.difference == 0
    # the paired differences equal per-resample differences under one weight matrix
    comp = paired_bootstrap(a, b, cls.accuracy, np.random.default_rng(7), n_boot=500)
    dist_a = bootstrap_distribution(a, cls.accuracy, 500, np.random.default_rng(7))
    dist_b = bootstrap_distribution(b, cls.accuracy, 500, np.random.default_rng(7))
    d = dist_b - dist_a
    assert comp.low == pytest.approx(np.quantile(d, 0.025), abs=1e-6)
    assert comp.high == pytest.approx(np.quantile(d, 0.975), abs=1e-6)
    joint = joint_bootstrap({"a": {"k": a}, "b": {"k": b}}, {"acc": ("k", cls.accuracy)},
                            np.random.default_rng(7), 500)
    np.testing.assert_allclose(joint["a"]["acc"], dist_a, atol=1e-6)
    np.testing.assert_allclose(joint["b"]["acc"], dist_b, atol=1e-6)


def test_paired_bootstrap_detects_a_real_difference():
    rng = np.random.default_rng(2)
    a = _clustered(rng, p=0.7, n_reports=100)
    b = _clustered(rng, p=0.9, n_reports=100)
    comp = paired_bootstrap(a, b, cls.accuracy, rng, n_boot=2000)
    assert comp.low > 0 and comp.p_value < 0.01


def test_permutation_matches_scipy_exact():
    rng = np.random.default_rng(3)
    correct_a = rng.random((10, 4)) < 0.6
    correct_b = rng.random((10, 4)) < 0.8
    a, b = cls.correct_counts(correct_a), cls.correct_counts(correct_b)
    ours = paired_permutation(a, b, cls.accuracy, rng, n_perm=20_000)
    ref = permutation_test(
        (correct_b.mean(axis=1), correct_a.mean(axis=1)),
        lambda x, y: np.mean(x - y), permutation_type="samples", n_resamples=np.inf,
    )
    assert ours.difference == pytest.approx(correct_b.mean() - correct_a.mean())
    assert ours.p_value == pytest.approx(ref.pvalue, abs=0.02)


def test_holm_hand_computed():
    # sorted p: 0.01*4=0.04, 0.02*3=0.06, 0.03*2=0.06 (monotone), 0.5*1=0.5
    assert holm([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.06, 0.04, 0.5, 0.06])


def test_ten_thousand_resamples_are_fast():
    rng = np.random.default_rng(4)
    gold = rng.integers(0, 2, size=(100, 10))
    counts = cls.binary_counts(gold, np.where(rng.random(gold.shape) < 0.9, gold, 1 - gold))
    start = time.perf_counter()
    est = cluster_bootstrap(counts, cls.micro(cls.mcc), rng, n_boot=10_000)
    assert time.perf_counter() - start < 2.0
    assert est.low <= est.value <= est.high
