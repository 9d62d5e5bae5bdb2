"""Compare a candidate with the current model on the held-out reviewed reports.

Figures, per model, over the held-out reports' label columns:

- ``report_accuracy``: share of reports whose every label is right (the decision metric);
- ``label_accuracy``: share of (report, label) cells that are right;
- ``micro_f1``: over 0/1 cells (label sets with other values leave it out).

An empty cell and 0 count as the same value (absent), on either side.

For text tasks (impressions, :func:`compare_text`), per model: ``rouge_l`` (the
decision metric: ROUGE-L F1 on lower-cased word tokens, list marks removed, against
the impression the reader chose), ``layout_agreement`` (numbered list or not, and the same last sentence,
as the chosen impression) and ``exact_match``.

The difference ``candidate - current`` in the decision metric gets a paired cluster
bootstrap by report (:func:`radlite.evaluate.bootstrap.paired_bootstrap`): both models
are scored on the same resampled reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from radlite.core.types import Record
from radlite.evaluate.bootstrap import paired_bootstrap
from radlite.learn.data import LearnSet, cell
from radlite.text.overlap import rouge_l
from radlite.text.overlap import words as _words

# Per-report count columns.
_EXACT, _ONE, _CELLS_RIGHT, _CELLS, _TP, _FP, _FN = range(7)
DECISION_METRIC = "report_accuracy"


def _norm(value: Any) -> Any:
    """A cell as :func:`radlite.learn.data.cell` reads it, with 2.0 as 2 and text
    compared without case."""
    value = cell(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.lower() if isinstance(value, str) else value


def report_counts(records: Sequence[Record], data: LearnSet) -> np.ndarray:
    """Per-report counts ``(n_reports, 7)`` of ``records`` against ``data``'s gold.

    A failed record counts every label as wrong.
    """
    by_id = {r.id: r for r in records}
    out = np.zeros((len(data), 7), dtype=np.float64)
    for i, (rid, gold) in enumerate(zip(data.ids, data.gold, strict=True)):
        record = by_id.get(rid)
        values = record.values if record is not None and record.status == "ok" else None
        right = 0
        for column in data.columns:
            truth = _norm(gold.get(column))
            pred = _norm(values.get(column)) if values is not None else "<failed>"
            right += int(truth == pred or (truth in (None, 0) and pred in (None, 0)))
            out[i, _TP] += int(truth == 1 and pred == 1)
            out[i, _FP] += int(truth != 1 and pred == 1)
            out[i, _FN] += int(truth == 1 and pred != 1)
        out[i, _EXACT] = float(right == len(data.columns))
        out[i, _ONE] = 1.0
        out[i, _CELLS_RIGHT], out[i, _CELLS] = right, len(data.columns)
    return out


def _report_accuracy(summed: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return summed[..., _EXACT] / summed[..., _ONE]


def figures(counts: np.ndarray, binary: bool) -> dict[str, float]:
    """The figures of one model from its per-report counts."""
    total = counts.sum(axis=0)
    out = {"report_accuracy": round(float(total[_EXACT] / max(total[_ONE], 1)), 4),
           "label_accuracy": round(float(total[_CELLS_RIGHT] / max(total[_CELLS], 1)), 4)}
    if binary:
        denom = 2 * total[_TP] + total[_FP] + total[_FN]
        out["micro_f1"] = round(float(2 * total[_TP] / denom), 4) if denom else 0.0
    return out


def is_binary(data: LearnSet) -> bool:
    """True when every gold cell is 0, 1 or empty."""
    return all(_norm(g.get(c)) in (None, 0, 1) for g in data.gold for c in data.columns)


def compare(current: Sequence[Record], candidate: Sequence[Record], data: LearnSet,
            n_boot: int = 5000, seed: int = 0) -> dict[str, Any]:
    """``before`` / ``after`` figures and the paired difference in report accuracy."""
    a, b = report_counts(current, data), report_counts(candidate, data)
    binary = is_binary(data)
    diff = paired_bootstrap(a, b, _report_accuracy, np.random.default_rng(seed), n_boot)
    return {"before": figures(a, binary), "after": figures(b, binary),
            "difference": {"metric": DECISION_METRIC, "estimate": round(diff.difference, 4),
                           "low": round(diff.low, 4), "high": round(diff.high, 4),
                           "p_value": round(diff.p_value, 4), "n_boot": n_boot}}


def _content(text: str) -> str:
    """The sentences of ``text`` without list marks (layout is scored separately)."""
    from radlite.tasks.impression.styles import sentences

    return " ".join(sentences(text))


def _layout(text: str) -> tuple[bool, str]:
    from radlite.tasks.impression.profile import is_numbered
    from radlite.tasks.impression.styles import sentences

    items = sentences(text)
    return is_numbered(text), " ".join(_words(items[-1])) if items else ""


def text_counts(records: Sequence[Record], data: LearnSet, column: str = "impression"
                ) -> np.ndarray:
    """Per-report ``[rouge_l, 1, layout agreement, exact match]`` (failed records: 0)."""
    by_id = {r.id: r for r in records}
    out = np.zeros((len(data), 4), dtype=np.float64)
    for i, (rid, gold) in enumerate(zip(data.ids, data.gold, strict=True)):
        record = by_id.get(rid)
        out[i, 1] = 1.0
        if record is None or record.status != "ok":
            continue
        hyp, ref = str(record.values.get(column) or ""), str(gold.get(column) or "")
        out[i, 0] = rouge_l(_content(hyp), _content(ref))
        out[i, 2] = float(_layout(hyp) == _layout(ref))
        out[i, 3] = float(_words(hyp) == _words(ref))
    return out


def _mean_first(summed: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return summed[..., 0] / summed[..., 1]


def compare_text(current: Sequence[Record], candidate: Sequence[Record], data: LearnSet,
                 n_boot: int = 5000, seed: int = 0) -> dict[str, Any]:
    """``before`` / ``after`` text figures and the paired difference in ROUGE-L."""
    a, b = text_counts(current, data), text_counts(candidate, data)

    def figures_of(c: np.ndarray) -> dict[str, float]:
        n = max(c[:, 1].sum(), 1.0)
        return {"rouge_l": round(float(c[:, 0].sum() / n), 4),
                "layout_agreement": round(float(c[:, 2].sum() / n), 4),
                "exact_match": round(float(c[:, 3].sum() / n), 4)}

    diff = paired_bootstrap(a, b, _mean_first, np.random.default_rng(seed), n_boot)
    return {"before": figures_of(a), "after": figures_of(b),
            "difference": {"metric": "rouge_l", "estimate": round(diff.difference, 4),
                           "low": round(diff.low, 4), "high": round(diff.high, 4),
                           "p_value": round(diff.p_value, 4), "n_boot": n_boot}}


COMPARERS = {"labels": compare, "text": compare_text}
