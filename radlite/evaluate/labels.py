"""Scoring of the label tasks: ``abdct``, ``chest`` (CheXpert) and ``chestxray14``.

Column sets come from the task packages (``radlite.tasks.abdct.labels``, ``radlite.tasks.chest.labels``). Key terms:

- *abdct*: per-organ binary label groups (``<organ>_<group>``); per-organ
  metrics pool an organ's groups, micro metrics pool all organs. Urgency is
  ordinal with empty (no present finding) ranked below 0; Kendall tau-b is
  computed over organs where the prediction has a valid urgency or is empty.
- *chest* (CheXpert 1/0/-1/blank), scored in four binary views as in the
  CheXpert labeler paper: ``positive`` (1 vs everything else), ``negation``
  (0 vs everything else), ``uncertain`` (-1 vs everything else) and ``mention``
  (any value vs blank); plus 4-class exact agreement per observation.
- *chestxray14*: 15 binary labels (1/0; blank = 0 in gold).

A failed or missing prediction is wrong everywhere (see ``classification``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radlite.evaluate import classification as cls
from radlite.evaluate.io import normalise
from radlite.evaluate.spec import MetricSpec, ScoredModel, binary_confusions, binary_label_specs
from radlite.tasks.abdct import labels as abdct_labels
from radlite.tasks.chest import labels as chest_labels

BLANK = 9
UNCERTAIN = 2  # internal code of CheXpert's -1


def _is_failed(row: dict[str, Any] | None) -> bool:
    return row is None or str(row.get("status", "ok")) == "failed"


def _codes(rows: list[dict | None], columns: list[str], allowed: set, blank: int) -> np.ndarray:
    """Integer codes per row x column; blank cells -> ``blank``, junk/missing -> MISSING."""
    out = np.full((len(rows), len(columns)), cls.MISSING, dtype=np.int64)
    for i, row in enumerate(rows):
        if _is_failed(row):
            continue
        for j, col in enumerate(columns):
            v = normalise(row.get(col))
            if v is None:
                out[i, j] = blank
            elif v in allowed:
                out[i, j] = UNCERTAIN if v == -1 else v  # -1 would collide with MISSING
    return out


def _binary_view(gold: np.ndarray, pred: np.ndarray, positive) -> np.ndarray:
    g = positive(gold).astype(np.int64)
    p = np.where(pred == cls.MISSING, cls.MISSING, positive(pred).astype(np.int64))
    return cls.binary_counts(g, p)


def _urgency_codes(rows: list[dict | None], columns: list[str]) -> np.ndarray:
    raw = _codes(rows, columns, {0, 1, 2, 3}, BLANK)
    return np.where(raw == BLANK, 0, np.where(raw == cls.MISSING, cls.MISSING, raw + 1))


# --- abdct ---------------------------------------------------------------------------

def abdct_columns() -> tuple[list[str], list[str], list[str]]:
    """(organs, label groups, label columns ``<organ>_<group>`` organ-major)."""
    organs, groups = abdct_labels.default_organs(), list(abdct_labels.label_groups())
    return organs, groups, [f"{o}_{g}" for o in organs for g in groups]


def score_abdct(gold_rows: list[dict], pred_rows: list[dict | None]) -> ScoredModel:
    """Count arrays for abdominal CT organ labels and urgency."""
    organs, groups, columns = abdct_columns()
    n = len(gold_rows)
    gold = np.maximum(_codes(gold_rows, columns, {0, 1}, 0), 0)
    pred = _codes(pred_rows, columns, {0, 1}, 0)
    labels = cls.binary_counts(gold, pred)
    organ = labels.reshape(n, len(organs), len(groups), 4).sum(axis=2)
    urg_cols = [f"{o}_urgency" for o in organs]
    # codes: empty -> 0, urgency u -> u + 1 (empty ranks below "0 normal"), missing -> -1
    g_urg = np.maximum(_urgency_codes(gold_rows, urg_cols), 0)
    p_urg = _urgency_codes(pred_rows, urg_cols)
    counts = {
        "labels": labels,
        "organ": organ,
        "urgency_table": cls.contingency_counts(g_urg, p_urg, 5),
        "urgency_exact": cls.correct_counts(g_urg == p_urg),
    }
    any_cols = [f"{o}_any_abnormality" for o in organs]
    if gold_rows and all(c in gold_rows[0] for c in any_cols):
        g_any = np.maximum(_codes(gold_rows, any_cols, {0, 1}, 0), 0)
        counts["any_abnormality"] = cls.binary_counts(g_any, _codes(pred_rows, any_cols, {0, 1}, 0))
    return ScoredModel(
        counts=counts,
        feature_correct=np.concatenate([gold == pred, g_urg == p_urg], axis=1),
        features=columns + urg_cols,
        confusion={"urgency": counts["urgency_table"].sum(axis=0),
                   **binary_confusions(organ, organs)},
    )


def abdct_specs(has_any: bool = True) -> list[MetricSpec]:
    """Per-organ and micro metrics, per-label metrics, urgency tau-b and exact match."""
    organs, _, columns = abdct_columns()
    specs = binary_label_specs("organ", organs, headline=("f1", "mcc"))
    specs += [s for s in binary_label_specs("labels", columns, prefix="label_",
                                            compare_labels=False, headline=())
              if s.feature]
    specs += [
        MetricSpec("urgency_kendall_tau_b", "urgency_table", cls.kendall_tau_b, compare=True,
                   headline=True),
        MetricSpec("urgency_exact_match", "urgency_exact", cls.accuracy, compare=True),
    ]
    if has_any:
        specs += binary_label_specs("any_abnormality", organs, prefix="any_abnormality_",
                                    compare_labels=False, headline=())
    return specs


# --- chest (CheXpert) ------------------------------------------------------------------

CHEXPERT_VIEWS = {
    "positive": lambda c: c == 1,
    "negation": lambda c: c == 0,
    "uncertain": lambda c: c == UNCERTAIN,
    "mention": lambda c: c != BLANK,
}


def chexpert_labels() -> list[str]:
    """The 14 CheXpert observation columns."""
    return chest_labels.chexpert_observations()


def score_chest(gold_rows: list[dict], pred_rows: list[dict | None]) -> ScoredModel:
    """Count arrays for CheXpert labels in the four binary views and 4-class agreement."""
    labels = chexpert_labels()
    gold = _codes(gold_rows, labels, {1, 0, -1}, BLANK)
    gold = np.where(gold == cls.MISSING, BLANK, gold)
    pred = _codes(pred_rows, labels, {1, 0, -1}, BLANK)
    counts = {view: _binary_view(gold, pred, fn) for view, fn in CHEXPERT_VIEWS.items()}
    correct = gold == pred
    counts["agreement"] = cls.correct_counts(correct)
    return ScoredModel(counts=counts, feature_correct=correct, features=labels,
                       confusion=binary_confusions(counts["positive"], labels))


def chest_specs() -> list[MetricSpec]:
    """4-class agreement plus per-view per-label/micro/macro metrics."""
    labels = chexpert_labels()
    specs = [MetricSpec("accuracy", "agreement", cls.accuracy, compare=True, headline=True)]
    specs += binary_label_specs("positive", labels, prefix="positive_", headline=("f1", "mcc"))
    for view in ("negation", "uncertain", "mention"):
        specs += binary_label_specs(view, labels, prefix=f"{view}_", compare_labels=False,
                                    headline=())
    return specs


# --- chestxray14 ----------------------------------------------------------------------

def chestxray14_labels() -> list[str]:
    """The 15 ChestX-ray14 labels (Open-i names, including ``normal``)."""
    return chest_labels.chestxray14_labels()


def score_binary(gold_rows: list[dict], pred_rows: list[dict | None],
                 labels: list[str]) -> ScoredModel:
    """Binary counts for 1/0 label columns (ChestX-ray14, or any binary task)."""
    gold = np.maximum(_codes(gold_rows, labels, {0, 1}, 0), 0)
    pred = _codes(pred_rows, labels, {0, 1}, 0)
    counts = cls.binary_counts(gold, pred)
    return ScoredModel(counts={"labels": counts}, feature_correct=gold == pred,
                       features=labels, confusion=binary_confusions(counts, labels))


def binary_specs(labels: list[str]) -> list[MetricSpec]:
    """Per-label, micro and macro binary metrics."""
    return binary_label_specs("labels", labels, headline=("accuracy", "f1", "mcc"))


# --- categorical (any task with categorical value columns) --------------------------

def score_categorical(gold_rows: list[dict], pred_rows: list[dict | None],
                      columns: list[str]) -> ScoredModel:
    """Exact agreement per column (values compared as normalised text; blank = blank)."""
    def cell(row: dict | None, column: str) -> str | None:
        value = normalise(row.get(column)) if row is not None else None
        return None if value is None else str(value)

    correct = np.array([[not _is_failed(p) and cell(g, c) == cell(p, c) for c in columns]
                        for g, p in zip(gold_rows, pred_rows, strict=True)], dtype=bool)
    correct = correct.reshape(len(gold_rows), len(columns))
    counts = {"agreement": cls.correct_counts(correct)}
    counts.update({f"agreement[{c}]": cls.correct_counts(correct[:, [j]])
                   for j, c in enumerate(columns)})
    return ScoredModel(counts=counts, feature_correct=correct, features=columns)


def categorical_specs(columns: list[str]) -> list[MetricSpec]:
    """Overall and per-column exact agreement."""
    specs = [MetricSpec("accuracy", "agreement", cls.accuracy, compare=True, headline=True)]
    specs += [MetricSpec("accuracy", f"agreement[{c}]", cls.accuracy, feature=c, compare=True)
              for c in columns]
    return specs
