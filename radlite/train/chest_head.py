"""Train the ChestX-ray14 head (``radlite train chest-head``) on labelled reports.

The head (:mod:`radlite.tasks.chest.head`) is a logistic model over candidates: labels
that the rule lexicon finds mentioned in a report. Training data is a CSV of reports with
one 0/1 column per label (the Open-i gold file's layout). Before the final fit, k-fold
cross-validation *by report* gives out-of-fold predictions, so the card records an
honest estimate (micro F1 of the head and of the rules on the same reports).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from radlite.core import csvsafe
from radlite.core.errors import ConfigError, InputError
from radlite.core.extras import require
from radlite.models.encoder import local_embedder
from radlite.tasks.chest.head import ChestHead, featurize
from radlite.tasks.chest.labels import chestxray14_labels, chestxray14_values
from radlite.tasks.chest.mentions import find_mentions


@dataclass
class LabelledReports:
    """Reports and their gold labels (``gold[i, j]`` = label ``labels[j]`` of report i)."""

    ids: list[str]
    texts: list[str]
    labels: tuple[str, ...]
    gold: np.ndarray


def read_labelled_csv(path: Path, id_col: str = "id", text_cols: Sequence[str] = ("report",),
                      labels: Sequence[str] | None = None) -> LabelledReports:
    """Read a labelled CSV; text columns are joined with a space (e.g. findings, impression).

    Raises:
        InputError: missing columns, or a label cell that is not 0/1/empty.
    """
    labels = tuple(labels or [x for x in chestxray14_labels() if x != "normal"])
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csvsafe.dict_reader(handle)
        missing = [c for c in (id_col, *text_cols, *labels) if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: missing column(s) {missing}")
        ids, texts, rows = [], [], []
        for line, row in enumerate(reader, start=2):
            ids.append(row[id_col])
            texts.append(" ".join((row[c] or "").strip() for c in text_cols).strip())
            try:
                rows.append([int(row[c] or 0) for c in labels])
            except ValueError as exc:
                raise InputError(f"{path} line {line}: label cells must be 0/1 ({exc})") from exc
    gold = np.array(rows, dtype=np.int8).reshape(len(ids), len(labels))
    if gold.size and not set(np.unique(gold)) <= {0, 1}:
        raise InputError(f"{path}: label cells must be 0 or 1")
    return LabelledReports(ids, texts, labels, gold)


def micro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    """Micro-averaged F1 over all cells."""
    tp = int((gold.astype(bool) & pred.astype(bool)).sum())
    denom = int(gold.sum() + pred.sum())
    return 2 * tp / denom if denom else 0.0


class _Design:
    """Candidate rows of a labelled set: features, lexicon keys, targets, report index."""

    def __init__(self, data: LabelledReports, encoder: str | None) -> None:
        self.mentions = [find_mentions(t) for t in data.texts]
        pairs, self.dense, self.keys = featurize(data.texts, self.mentions, data.labels,
                                                 local_embedder(encoder))
        if not pairs:
            raise InputError("no report mentions any label concept: nothing to train on")
        self.report = np.array([i for i, _ in pairs])
        self.label = np.array([data.labels.index(c.label) for _, c in pairs])
        self.target = data.gold[self.report, self.label]
        self.shape = data.gold.shape

    def matrix(self, rows: np.ndarray, vocab: list[str]) -> Any:
        from scipy import sparse

        col = {k: j for j, k in enumerate(vocab)}
        cells = [(r, col[k]) for r, i in enumerate(rows) for k in self.keys[i] if k in col]
        keys = sparse.csr_matrix((np.ones(len(cells)), ([c[0] for c in cells],
                                                        [c[1] for c in cells])),
                                 shape=(len(rows), len(vocab)))
        return sparse.hstack([sparse.csr_matrix(self.dense[rows]), keys]).tocsr()

    def fit(self, rows: np.ndarray, c: float) -> tuple[Any, list[str]]:
        LogisticRegression = require("sklearn.linear_model",  # noqa: N806
                                     "training a chest head").LogisticRegression

        vocab = sorted({k for i in rows for k in self.keys[i]})
        if len(set(self.target[rows].tolist())) < 2:
            raise InputError("training candidates are all one class: need positive and "
                             "negative examples")
        model = LogisticRegression(C=c, max_iter=5000).fit(self.matrix(rows, vocab),
                                                           self.target[rows])
        return model, vocab

    def predict(self, model: Any, vocab: list[str], rows: np.ndarray,
                threshold: float) -> np.ndarray:
        """Report x label 0/1 matrix with the predictions for ``rows`` filled in."""
        out = np.zeros(self.shape, dtype=np.int8)
        yes = model.predict_proba(self.matrix(rows, vocab))[:, 1] >= threshold
        out[self.report[rows[yes]], self.label[rows[yes]]] = 1
        return out


def rule_predictions(data: LabelledReports) -> np.ndarray:
    """The rule baseline's 0/1 matrix for ``data`` (same layout as ``data.gold``)."""
    rows = [chestxray14_values(find_mentions(t)) for t in data.texts]
    return np.array([[r[label] for label in data.labels] for r in rows], dtype=np.int8)


def cross_validated(data: LabelledReports, c: float = 10.0, folds: int = 5,
                    threshold: float = 0.5, encoder: str | None = None,
                    design: _Design | None = None, seed: int = 0) -> np.ndarray:
    """Out-of-fold head predictions for every report (reports are shuffled into folds).

    Args:
        data: labelled reports.
        c: inverse L2 strength of the logistic model.
        folds: number of folds (>= 2).
        threshold: probability at or above which a label is 1.
        encoder: local sentence-encoder folder (default all-MiniLM-L6-v2).
        design: precomputed candidates (internal reuse).
        seed: seed of the report-to-fold shuffle.
    """
    if folds < 2:
        raise ConfigError("cross-validation needs at least 2 folds")
    design = design or _Design(data, encoder)
    fold_of_report = np.random.default_rng(seed).permutation(len(data.ids)) % folds
    fold = fold_of_report[design.report]
    rows = np.arange(len(design.target))
    pred = np.zeros(data.gold.shape, dtype=np.int8)
    for k in range(folds):
        model, vocab = design.fit(rows[fold != k], c)
        pred |= design.predict(model, vocab, rows[fold == k], threshold)
    return pred


def train_head(data: LabelledReports, c: float = 10.0, folds: int = 5, threshold: float = 0.5,
               encoder: str | None = None, source: str = "") -> ChestHead:
    """Cross-validate, then fit the head on every report.

    Args:
        data: labelled reports.
        c: inverse L2 strength of the logistic model.
        folds: folds for the recorded estimate (0 skips cross-validation).
        threshold: probability at or above which a label is 1.
        encoder: local sentence-encoder folder (default all-MiniLM-L6-v2).
        source: a description of the data for the card (a file name; never report text).
    """
    import sklearn

    from radlite.models.encoder import load_encoder

    started = time.time()
    design = _Design(data, encoder)
    card: dict[str, Any] = {
        "trained_on": source, "n_reports": len(data.ids), "n_candidates": len(design.target),
        "positives": {label: int(n) for label, n in zip(data.labels, data.gold.sum(axis=0),
                                                        strict=True)},
        "c": c, "threshold": threshold, "encoder": load_encoder(encoder).name,
        "sklearn": sklearn.__version__,
    }
    if folds:
        oof = cross_validated(data, c, folds, threshold, encoder, design)
        card["cross_validation"] = {
            "folds": folds, "micro_f1_head": round(micro_f1(data.gold, oof), 4),
            "micro_f1_rules": round(micro_f1(data.gold, rule_predictions(data)), 4)}
    model, vocab = design.fit(np.arange(len(design.target)), c)
    coef = model.coef_[0]
    width = design.dense.shape[1]
    keys = {k: round(float(w), 6) for k, w in zip(vocab, coef[width:], strict=True) if w}
    card["train_seconds"] = round(time.time() - started, 1)
    return ChestHead(tuple(data.labels), coef[:width].astype(np.float32), keys,
                     float(model.intercept_[0]), threshold, card)
