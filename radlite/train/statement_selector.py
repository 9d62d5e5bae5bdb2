"""Training the statement selector (:mod:`radlite.tasks.summarize.statements`).

Input: patients' series with hand-written change statements, the JSONL of
``radlite summarize`` plus ``per_report`` (one reference statement per report, as in
``benchmarks/data/longitudinal/dev.jsonl``). Each phrase of each impression is labelled
kept when at least half of its words lie on the longest common subsequence of the
impression and the reference statement; a logistic model (scikit-learn, L2) is fitted on
the hashed phrase features. The word trimmer (:mod:`radlite.tasks.summarize.trim`) is
fitted the same way on the words of the kept phrases: a word is labelled kept when it lies
on that subsequence. Needs ``pip install 'radlite[train]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radlite.core.errors import InputError
from radlite.core.extras import require
from radlite.tasks.summarize.statements import (
    DIM,
    Phrase,
    StatementSelector,
    feature_index,
    impression_features,
    phrases,
)
from radlite.tasks.summarize.trim import WordTrimmer, protected, token_features
from radlite.text.overlap import lcs_positions, words

#: The shipped selector's setting, chosen leave-one-set-out on the four development
#: sets (docs/summarize.md, "Per-report statements").
DEFAULT_C = 0.3
DEFAULT_THRESHOLD = 0.1
_BIAS = feature_index("bias")  # the always-on feature; the intercept is stored there


def phrase_labels(items: Sequence[Phrase], reference: str) -> list[int]:
    """1 for each phrase with at least half its words on the longest common subsequence
    of the impression's words and ``reference``'s, else 0."""
    owners = [i for i, p in enumerate(items) for _ in words(p.text)]
    tokens = [t for p in items for t in words(p.text)]
    hits = [0] * len(items)
    for position in lcs_positions(tokens, words(reference)):
        hits[owners[position]] += 1
    totals = [len(words(p.text)) for p in items]
    return [int(t > 0 and 2 * h >= t) for h, t in zip(hits, totals, strict=True)]


def token_labels(items: Sequence[Phrase], reference: str) -> list[list[int]]:
    """Per phrase, per whitespace token: 1 when at least half of the token's words lie on
    the longest common subsequence of the impression's words and ``reference``'s."""
    owners = [(i, j) for i, p in enumerate(items) for j, token in enumerate(p.text.split())
              for _ in words(token)]
    tokens = [w for p in items for token in p.text.split() for w in words(token)]
    hits = [[0] * len(p.text.split()) for p in items]
    for position in lcs_positions(tokens, words(reference)):
        i, j = owners[position]
        hits[i][j] += 1
    return [[int(bool(words(token)) and 2 * h >= len(words(token)))
             for h, token in zip(row, p.text.split(), strict=True)]
            for row, p in zip(hits, items, strict=True)]


def train_trimmer(rows: Sequence[tuple[list[Phrase], bool, str]], c: float,
                  threshold: float) -> WordTrimmer:
    """Fit the word trimmer on the unprotected tokens of the phrases that the written
    statements keep (:func:`phrase_labels`)."""
    linear_model = require("sklearn.linear_model", "training the statement selector")

    indices, pointers, labels = [], [0], []
    for items, _, ref in rows:
        for phrase, kept, token_kept in zip(items, phrase_labels(items, ref),
                                            token_labels(items, ref), strict=True):
            tokens = phrase.text.split()
            if not kept:
                continue
            for guard, features, label in zip(protected(tokens), token_features(tokens),
                                              token_kept, strict=True):
                if not guard:
                    indices.extend(features)
                    pointers.append(len(indices))
                    labels.append(label)
    if len(set(labels)) < 2:
        return WordTrimmer({}, 0.0)  # nothing to learn: a trimmer that drops no word
    model = linear_model.LogisticRegression(C=c, max_iter=3000).fit(
        _csr(indices, pointers), labels)
    weights = {int(i): float(w) for i, w in enumerate(model.coef_[0]) if w != 0.0}
    weights[_BIAS] = weights.get(_BIAS, 0.0) + float(model.intercept_[0])  # same hashing
    return WordTrimmer(weights, threshold)


def examples(patients: Sequence[dict[str, Any]]) -> list[tuple[list[Phrase], bool, str]]:
    """``(phrases, is_baseline, reference)`` per report with an impression and a statement.

    Raises:
        InputError: a patient's ``per_report`` does not give one statement per report.
    """
    out = []
    for patient in patients:
        reports, refs = patient.get("reports") or [], patient.get("per_report")
        if not isinstance(refs, list) or len(refs) != len(reports):
            raise InputError(f"statement selector: patient {patient.get('patient_id')!r} needs "
                             f"'per_report' with one statement per report ({len(reports)})")
        for index, (report, ref) in enumerate(zip(reports, refs, strict=True)):
            items = phrases(str(report.get("impression") or ""))
            if items and str(ref or "").strip():
                out.append((items, index == 0, str(ref)))
    return out


def _matrix(rows: Sequence[tuple[list[Phrase], bool, str]]) -> tuple[Any, list[int]]:
    indices, pointers, labels = [], [0], []
    for items, baseline, ref in rows:
        labels.extend(phrase_labels(items, ref))
        for features in impression_features(items, baseline):
            indices.extend(features)
            pointers.append(len(indices))
    return _csr(indices, pointers), labels


def _csr(indices: list[int], pointers: list[int]) -> Any:
    """A binary sparse matrix: row r has ones at ``indices[pointers[r]:pointers[r + 1]]``."""
    sparse = require("scipy.sparse", "training the statement selector")
    return sparse.csr_matrix(([1.0] * len(indices), indices, pointers),
                             shape=(len(pointers) - 1, DIM))


def train_selector(patients: Sequence[dict[str, Any]], c: float = DEFAULT_C,
                   threshold: float = DEFAULT_THRESHOLD,
                   card: dict[str, Any] | None = None,
                   max_words: int | None = None,
                   trim_threshold: float | None = None) -> StatementSelector:
    """Fit a selector on ``patients`` (series with ``per_report`` statements), and its word
    trimmer when ``trim_threshold`` is given.

    Raises:
        InputError: no usable report, only one kind of label, or a setting out of range.
    """
    if max_words is not None and max_words < 1:
        raise InputError(f"statement selector: the word budget must be at least 1, not "
                         f"{max_words}")
    for name, value in (("threshold", threshold), ("trim threshold", trim_threshold)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise InputError(f"statement selector: the {name} must lie in [0, 1], not {value}")
    linear_model = require("sklearn.linear_model", "training the statement selector")

    rows = examples(patients)
    if not rows:
        raise InputError("statement selector: no report has both an impression and a "
                         "reference statement")
    x, y = _matrix(rows)
    if len(set(y)) < 2:
        raise InputError("statement selector: the statements keep all or none of the "
                         "impressions' phrases; nothing to learn")
    model = linear_model.LogisticRegression(C=c, max_iter=3000).fit(x, y)
    weights = {int(i): float(w) for i, w in enumerate(model.coef_[0]) if w != 0.0}
    weights[_BIAS] = weights.get(_BIAS, 0.0) + float(model.intercept_[0])
    info = {"patients": len(patients), "reports": len(rows), "phrases": len(y),
            "kept_share": round(sum(y) / len(y), 4), "C": c, **(card or {})}
    trimmer = None if trim_threshold is None else train_trimmer(rows, c, trim_threshold)
    return StatementSelector(weights, threshold, info, max_words, trimmer)

