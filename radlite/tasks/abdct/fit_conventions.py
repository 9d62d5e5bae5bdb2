"""Choose a site's conventions from a few of its own labelled reports.

The readings of ``conventions.yaml`` are few (2 x 2 x 2 x 2 combinations), so a site's
choice can be fitted by scoring every combination on a small labelled sample (say ten
reports a radiologist has checked) and keeping the best; ties keep the shipped defaults.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from radlite.core.types import Report
from radlite.tasks.abdct.labels import default_organs, label_groups
from radlite.tasks.abdct.lexicon import conventions
from radlite.tasks.abdct.task import AbdctTask


def _micro(gold: np.ndarray, pred: np.ndarray) -> float:
    return float(2 * (gold & pred).sum() / max(gold.sum() + pred.sum(), 1))


def fit_conventions(reports: Sequence[Report], gold: Sequence[dict[str, object]]
                    ) -> tuple[list[str], float]:
    """The convention choices (``NAME=CHOICE``, defaults left out) that give the highest
    micro F1 over the label columns of ``gold`` (one dict per report, wide columns), and
    that score. The shipped defaults win ties; fewer changes win among the rest.
    """
    organs, groups = default_organs(), list(label_groups())
    cols = [f"{o}_{g}" for o in organs for g in groups]
    truth = np.array([[int(row.get(c) or 0) for c in cols] for row in gold])
    known = conventions()
    names = sorted(known)
    best: tuple[float, int, list[str]] = (-1.0, 0, [])
    for combo in itertools.product(*(sorted(known[n]["choices"]) for n in names)):
        chosen = [f"{n}={c}" for n, c in zip(names, combo, strict=True)
                  if c != known[n]["default"]]
        records = AbdctTask(conventions=chosen).run_batch(None, list(reports))
        pred = np.array([[int(r.values.get(c) or 0) for c in cols] for r in records])
        key = (round(_micro(truth, pred), 6), -len(chosen), chosen)
        if key[:2] > best[:2]:
            best = key
    return best[2], best[0]
