"""Clinical agreement of generated text: label F1 between hypothesis and reference.

The idea of CheXbert-F1 in the report-generation literature, with radlite's own chest
labeller (rule mode: deterministic, no model, about 250 reports/s): both the generated
and the reference impression are labelled with the 14 CheXpert observations, and the
hypothesis' positive labels are scored against the reference's.

- ``label_f1``: micro F1 over all 14 observations, ``No Finding`` included (a normal
  impression that matches a normal reference is a true positive of ``No Finding``).
- ``label_f1_abnormal``: micro F1 over the 13 abnormal observations only, so that the
  many normal studies of a screening set do not dominate.

A label counts as positive when the labeller calls it present (1); uncertain mentions
(``-1``, "possible pneumonia") count as positive too, since an impression that hedges a
finding still communicates it. Per-report counts ``[tp, fp, fn, tn]`` are kept, so the
corpus F1 gets the usual report-level bootstrap CI.
"""

from __future__ import annotations

import numpy as np

from radlite.evaluate.classification import binary_counts, f1, micro
from radlite.evaluate.scores import TextScore, check_pairs
from radlite.tasks.chest.labels import chexpert_observations
from radlite.tasks.chest.rules import label_report

NO_FINDING = "No Finding"


def positive_labels(text: str) -> np.ndarray:
    """0/1 vector over the CheXpert observations: present or uncertain in ``text``."""
    values = label_report(text) if text.strip() else {}
    return np.array([1 if values.get(o) in (1, -1) else 0 for o in chexpert_observations()])


def _score(name: str, counts: np.ndarray, note: str) -> TextScore:
    pooled = micro(f1)
    per_item = np.array([float(pooled(c)) if c[:, :3].sum() else 1.0 for c in counts])
    corpus = float(pooled(counts.sum(axis=0))) if len(counts) else float("nan")
    return TextScore(name, per_item, corpus, counts, pooled, note)


def label_f1(hypotheses: list[str], references: list[str]) -> dict[str, TextScore]:
    """``label_f1`` and ``label_f1_abnormal`` of hypotheses against references."""
    check_pairs(hypotheses, references)
    observations = chexpert_observations()
    hyp, ref = (np.array([positive_labels(t) for t in texts], dtype=np.int64).reshape(
        len(texts), len(observations)) for texts in (hypotheses, references))
    counts = binary_counts(ref, hyp)
    abnormal = [i for i, o in enumerate(observations) if o != NO_FINDING]
    return {
        "label_f1": _score("label_f1", counts,
                           "micro F1 of CheXpert labels (rule labeller), 14 observations"),
        "label_f1_abnormal": _score("label_f1_abnormal", counts[:, abnormal],
                                    "micro F1 of CheXpert labels, 13 abnormal observations"),
    }
