"""One learn cycle: split the reviews, fit a candidate, compare, register, promote.

The steps, for a site (and optionally one reader of it):

1. The reviewed reports are split by report id into a training part and a held-out
   part (:func:`radlite.learn.data.split`).
2. The *current* model is the registry's resolution for the scope (the reader's, else
   the site's, else the shipped default). The learner fits a candidate from it on the
   training part.
3. Both run on the held-out part; :func:`radlite.learn.compare.compare` gives the
   figures and the paired bootstrap CI of the difference in report accuracy.
4. The candidate is registered with its training-data hash, figures and parent. With
   ``promote="auto"`` it becomes current only when the CI's lower bound is above zero;
   otherwise it is kept as ``rejected`` with the reason. ``promote="never"`` leaves it
   a candidate for a person to promote (``radlite adapters promote``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radlite.core.errors import InputError
from radlite.core.types import Record
from radlite.learn.compare import COMPARERS
from radlite.learn.data import LearnSet, split
from radlite.learn.data import folds as folds_of
from radlite.learn.learners import learner_for
from radlite.learn.registry import AdapterRegistry, check_name

Progress = Callable[[str, float], None]
PROMOTE_POLICIES = ("auto", "never")


@dataclass
class LearnResult:
    """What a learn cycle did: sizes, before/after figures, the decision."""

    task: str
    site: str
    reader: str | None
    parent: str
    candidate: str | None
    n_train: int
    n_heldout: int
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    difference: dict[str, Any] = field(default_factory=dict)
    promoted: bool = False
    reason: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _quiet(stage: str, fraction: float) -> None:
    """The default progress callback: says nothing."""


#: Cross-fit (``folds=None``) when a held-out part would have fewer reports than this.
AUTO_FOLDS_BELOW = 100
AUTO_FOLDS = 5


def auto_folds(kind: str, n_reports: int, holdout: float) -> int:
    """The default comparison: 5-fold cross-fitting for learners that fit in seconds when a
    held-out part would be under 100 reports; else (and always for ``lora``, where each
    fold is a training run) the held-out part (0)."""
    if kind == "lora" or n_reports * holdout >= AUTO_FOLDS_BELOW:
        return 0
    return AUTO_FOLDS


def learn(task_name: str, data: LearnSet, *, registry: AdapterRegistry, site: str,
          reader: str | None = None, options: dict[str, Any] | None = None,
          holdout: float = 0.3, promote: str = "auto", seed: int = 0,
          folds: int | None = None,
          train: dict[str, Any] | None = None, progress: Progress | None = None
          ) -> LearnResult:
    """Run one learn cycle on ``data`` (see the module docstring).

    Raises:
        InputError: a bad site/reader id, an unknown promote policy, too few reviewed
            reports, or a task ``radlite learn`` cannot train.
    """
    started = time.time()
    note = progress or _quiet
    check_name("site", site)
    if reader is not None:
        check_name("reader", reader)
    if promote not in PROMOTE_POLICIES:
        raise InputError(f"promote must be one of {PROMOTE_POLICIES}, got {promote!r}")
    learner = learner_for(task_name, options, train)
    missing = sorted(set(learner.columns()) - set(data.columns))
    if missing:
        raise InputError(f"the training data lacks the label column(s) {missing} of "
                         f"{learner.task_name}: check the task options")
    note("splitting the reviewed reports", 0.05)
    folds = auto_folds(learner.kind, len(data), holdout) if folds is None else folds
    parts = folds_of(data, folds, seed) if folds else [split(data, holdout, seed)]
    current = registry.resolve(learner.task_name, site, reader)
    parent_path = current.path if current is not None else None
    with tempfile.TemporaryDirectory(prefix="radlite-learn-") as tmp:
        before: list[Record] = []
        after: list[Record] = []
        for k, (train, test) in enumerate(parts):
            artefact = Path(tmp) / f"fold-{k}"
            start, width = 0.1 + 0.8 * k / len(parts), 0.8 / len(parts)
            card = learner.fit(train, parent_path, artefact,
                               lambda stage, f, s=start, w=width: note(stage, s + 0.6 * w * f))
            note("scoring the current model and the candidate on reports it did not see",
                 start + 0.7 * width)
            before += learner.run(parent_path, test.reports())
            after += learner.run(artefact, test.reports())
        held = LearnSet.concat([test for _, test in parts])
        if folds:
            train = data
            artefact = Path(tmp) / "artefact"
            card = learner.fit(data, parent_path, artefact,
                               lambda stage, f: note(stage, 0.9 + 0.05 * f))
        figures = COMPARERS[learner.scoring](before, after, held, seed=seed)
        metrics = {**figures, "n_train": len(train), "n_heldout": len(held), "folds": folds,
                   "heldout_hash": held.data_hash(), "card": card}
        entry = registry.add(task=learner.task_name, site=site, reader=reader,
                             kind=learner.kind, source=artefact,
                             data_hash=train.data_hash(), metrics=metrics,
                             parent=current.id if current is not None else "default")
    diff = figures["difference"]
    promoted = promote == "auto" and diff["low"] > 0
    if promoted:
        reason = (f"{diff['metric']} {diff['estimate']:+.3f} "
                  f"[{diff['low']:+.3f}, {diff['high']:+.3f}]: CI above zero")
        registry.promote(entry.task, site, reader, entry.version)
    elif promote == "never":
        reason = "left as a candidate (--promote never): promote it with radlite adapters"
    else:
        reason = (f"{diff['metric']} {diff['estimate']:+.3f} "
                  f"[{diff['low']:+.3f}, {diff['high']:+.3f}]: CI not above zero, "
                  "the current model stays")
        registry.reject(entry.task, site, reader, entry.version, reason)
    note("done", 1.0)
    return LearnResult(learner.task_name, site, reader,
                       current.id if current is not None else "default", entry.id,
                       len(train), len(held), figures["before"], figures["after"], diff,
                       promoted, reason, round(time.time() - started, 1))
