"""Adapt the chest head to a site's labelling from its reviewed reports.

Two learnt parts, both general (nothing here names a finding):

- *links* (:func:`mine_links`): a lexicon term that the site keeps coding as a label the
  shipped lexicon does not map it to becomes a candidate for that label. A term
  qualifies when, in at least ``min_support`` training reports, it is asserted, the
  label is 1 and nothing else in the report makes the label a candidate, and when that
  holds in at least ``min_precision`` of the reports that assert the term without
  another candidate for the label.
- *weights* (:func:`adapt_weights`): maximum a posteriori adaptation of the parent
  head (Chelba and Acero, 2006): logistic loss on the site's candidates plus
  ``strength / 2 * ||w - w_parent||^2``, so a few reviews move the weights only where
  the site disagrees. ``strength`` is chosen by cross-validation by report on the
  training reviews (ties keep the larger strength, i.e. the smaller change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from radlite.core.errors import InputError
from radlite.core.extras import require
from radlite.models.encoder import Embedder
from radlite.tasks.chest.head import ChestHead, Links, candidates, featurize, term_key
from radlite.tasks.chest.mentions import Mention, find_mentions, load_concepts

STRENGTHS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)


def _gold_matrix(gold: Sequence[dict[str, Any]], labels: Sequence[str]) -> np.ndarray:
    return np.array([[int((g.get(label) or 0) == 1) for label in labels] for g in gold],
                    dtype=np.int8).reshape(len(gold), len(labels))


def mine_links(texts: Sequence[str], mentions: Sequence[Sequence[Mention]], gold: np.ndarray,
               labels: Sequence[str], links: Links | None = None, min_support: int = 3,
               min_precision: float = 0.5) -> Links:
    """New links (``concept|pattern number`` -> labels) added to ``links`` (see module doc)."""
    links = dict(links or {})
    concepts = load_concepts()
    hits: Counter[tuple[str, str]] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    for i, (text, ms) in enumerate(zip(texts, mentions, strict=True)):
        covered = {c.label for c in candidates(text, ms, labels, links)}
        asserted = {key for m in ms if m.certainty != "negative"
                    and (key := term_key(text, m)) is not None}
        for key in asserted:
            concept = key.split("|")[0]
            mapped = set(concepts[concept].get("cxr14") or []) | set(links.get(key, ()))
            for j, label in enumerate(labels):
                if label in covered or label in mapped:
                    continue
                seen[key, label] += 1
                hits[key, label] += int(gold[i, j])
    for (key, label), n in sorted(hits.items()):
        if n >= min_support and n / seen[key, label] >= min_precision:
            links[key] = (*links.get(key, ()), label)
    return links


@dataclass
class _Design:
    """The site's candidates: dense features, key features, targets, report index."""

    dense: np.ndarray
    keys: Any  # scipy CSR
    vocab: list[str]
    target: np.ndarray
    report: np.ndarray
    label: np.ndarray


def _design(head: ChestHead, texts: Sequence[str], mentions: Sequence[Sequence[Mention]],
            gold: np.ndarray, embed: Embedder, links: Links) -> _Design:
    sparse = require("scipy.sparse", "learning a site's chest head")

    pairs, dense, keys = featurize(texts, mentions, head.labels, embed, links)
    if not pairs:
        raise InputError("no reviewed report mentions any label concept: nothing to learn")
    vocab = sorted(set(head.keys) | {k for ks in keys for k in ks})
    col = {k: j for j, k in enumerate(vocab)}
    cells = [(r, col[k]) for r, ks in enumerate(keys) for k in ks]
    matrix = sparse.csr_matrix((np.ones(len(cells)), ([c[0] for c in cells],
                                                      [c[1] for c in cells])),
                               shape=(len(pairs), len(vocab)))
    report = np.array([i for i, _ in pairs])
    label = np.array([head.labels.index(c.label) for _, c in pairs])
    return _Design(dense.astype(np.float64), matrix, vocab, gold[report, label], report, label)


def adapt_weights(head: ChestHead, design: _Design, rows: np.ndarray, strength: float
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """MAP weights ``(dense, key weights over design.vocab, bias)`` fitted on ``rows``."""
    minimize = require("scipy.optimize", "learning a site's chest head").minimize

    width = design.dense.shape[1]
    prior = np.concatenate([head.dense.astype(np.float64),
                            [head.keys.get(k, 0.0) for k in design.vocab], [head.bias]])
    dense, keys, y = design.dense[rows], design.keys[rows], design.target[rows]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        score = dense @ w[:width] + keys @ w[width:-1] + w[-1]
        p = 1.0 / (1.0 + np.exp(-score))
        nll = float(np.sum(np.logaddexp(0.0, score) - y * score))
        diff = w - prior
        err = p - y
        grad = np.concatenate([dense.T @ err, keys.T @ err, [err.sum()]]) + strength * diff
        return nll + 0.5 * strength * float(diff @ diff), grad

    fit = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    w = fit.x
    return w[:width], w[width:-1], float(w[-1])


def _predict(head: ChestHead, design: _Design, weights: tuple[np.ndarray, np.ndarray, float],
             rows: np.ndarray, n_reports: int) -> np.ndarray:
    dense_w, key_w, bias = weights
    score = design.dense[rows] @ dense_w + design.keys[rows] @ key_w + bias
    out = np.zeros((n_reports, len(head.labels)), dtype=np.int8)
    yes = rows[1.0 / (1.0 + np.exp(-score)) >= head.threshold]
    out[design.report[yes], design.label[yes]] = 1
    return out


def choose_strength(head: ChestHead, design: _Design, gold: np.ndarray, folds: int = 5,
                    strengths: Sequence[float] = STRENGTHS, seed: int = 0
                    ) -> tuple[float, dict[float, float]]:
    """The prior strength with the best cross-validated report accuracy, and all scores."""
    n = len(gold)
    folds = max(2, min(folds, n))
    fold_of = np.random.default_rng(seed).permutation(n) % folds
    rows = np.arange(len(design.target))
    scores: dict[float, float] = {}
    for strength in strengths:
        pred = np.zeros_like(gold)
        for k in range(folds):
            train, test = rows[fold_of[design.report] != k], rows[fold_of[design.report] == k]
            if not len(train) or not len(test):
                continue
            pred |= _predict(head, design, adapt_weights(head, design, train, strength),
                             test, n)
        scores[strength] = float(np.mean((pred == gold).all(axis=1)))
    best = max(strengths, key=lambda s: (round(scores[s], 6), s))
    return best, scores


def adapt_head(head: ChestHead, texts: Sequence[str], gold_rows: Sequence[dict[str, Any]],
               embed: Embedder, progress: Callable[[str, float], None] | None = None
               ) -> ChestHead:
    """A site head adapted from ``head`` on reviewed reports (``gold_rows``: label -> 0/1).

    The returned head carries the learnt links and a card with the chosen strength and
    the cross-validated report accuracies (no report text).
    """
    note = progress or (lambda stage, fraction: None)
    gold = _gold_matrix(gold_rows, head.labels)
    mentions = [find_mentions(t) for t in texts]
    links = mine_links(texts, mentions, gold, head.labels, head.links)
    note("embedding the reviewed reports", 0.2)
    design = _design(head, texts, mentions, gold, embed, links)
    note("choosing the adaptation strength", 0.4)
    strength, scores = choose_strength(head, design, gold)
    note("fitting the site head", 0.8)
    dense_w, key_w, bias = adapt_weights(head, design, np.arange(len(design.target)), strength)
    keys = {k: round(float(w), 6) for k, w in zip(design.vocab, key_w, strict=True)
            if abs(w) > 1e-9}
    card = {"adapted_from": head.hash or "default", "n_reports": len(texts),
            "n_candidates": int(len(design.target)), "strength": strength,
            "cv_report_accuracy": {str(k): round(v, 4) for k, v in scores.items()},
            "new_links": {k: list(v) for k, v in links.items() if k not in head.links}}
    return replace(head, dense=dense_w.astype(np.float32), keys=keys, bias=bias, card=card,
                   hash="", links=links)
