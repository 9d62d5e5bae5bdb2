"""What each task learns from a site's reviews, and how a learnt artefact is used.

A *learner* turns reviewed reports into an *artefact* (a folder the registry versions)
and builds the task that uses an artefact. Today:

- ``chest`` (ChestX-ray14 labels, ``learned`` mode): a site head adapted from the
  current one (:mod:`radlite.learn.chest`); artefact kind ``chest-head``.
- ``abdct``: the site's labelling conventions chosen on its reviews
  (:func:`radlite.tasks.abdct.fit_conventions.fit_conventions`); kind
  ``abdct-conventions``.
- ``impression`` (draft mode): a reader's layout profile and example bank from the
  impressions they chose (:class:`ImpressionLearner`); kind ``impression-style``.

Extraction tasks whose learnt part is a LoRA adapter of the generative model (LI-RADS)
continue that adapter with SFT on the corrected values (:mod:`radlite.learn.lora`,
kind ``lora``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from radlite.core.errors import InputError
from radlite.core.types import Record, Report
from radlite.learn.data import LearnSet
from radlite.models.encoder import Embedder, local_embedder
from radlite.tasks.base import Task

Progress = Callable[[str, float], None]
CONVENTIONS_FILE = "conventions.json"


class Learner(Protocol):
    """Fits an artefact on reviewed reports and builds the task that uses one."""

    task_name: str
    kind: str
    scoring: str  # "labels" or "text" (radlite.learn.compare.COMPARERS)

    def columns(self) -> list[str]:
        """The label columns the task writes (the gold columns of the learn set)."""

    def task(self, artefact: Path | None) -> Task:
        """The task using ``artefact`` (None: the shipped default)."""

    def task_options(self, artefact: Path) -> dict[str, Any]:
        """Task options that make ``radlite extract`` use ``artefact``."""

    def fit(self, train: LearnSet, parent: Path | None, out: Path,
            progress: Progress) -> dict[str, Any]:
        """Write the artefact learnt from ``train`` (starting from ``parent``) into ``out``
        and return its card (settings and training-side figures, no report text)."""

    def run(self, artefact: Path | None, reports: Sequence[Report]) -> list[Record]:
        """The records of ``reports`` with ``artefact`` (None: the shipped default)."""

    def backend_options(self, artefact: Path | None) -> dict[str, Any]:
        """Model backend options that load ``artefact`` ({} when it is a task option)."""


class _ModelFree:
    """``run`` and ``backend_options`` for learners whose task calls no generative model."""

    def task(self, artefact: Path | None) -> Task:
        raise NotImplementedError

    def backend_options(self, artefact: Path | None) -> dict[str, Any]:
        """None: the artefact is a task option (:meth:`task_options`)."""
        return {}

    def run(self, artefact: Path | None, reports: Sequence[Report]) -> list[Record]:
        """The task's records, computed without a model backend."""
        return self.task(artefact).run_batch(None, list(reports))


def cached(embed: Embedder) -> Embedder:
    """``embed`` with a per-text cache (a learn cycle embeds the held-out reports twice)."""
    memo: dict[str, np.ndarray] = {}

    def run(texts: list[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        if todo:
            memo.update(zip(todo, embed(todo), strict=True))
        return np.stack([memo[t] for t in texts]) if texts else np.zeros((0, 0))
    return run


class ChestLearner(_ModelFree):
    """Adapts the chest head (ChestX-ray14 labels) to a site."""

    task_name = "chest"
    kind = "chest-head"
    scoring = "labels"

    def __init__(self, options: dict[str, Any]) -> None:
        options = {"labels": "chestxray14", **options}
        if options.get("labels") != "chestxray14" or options.get("mode", "learned") != "learned":
            raise InputError("radlite learn adapts the learned chest head: the job or gold "
                             "file must use --labels chestxray14 (mode learned)")
        self.options = {k: v for k, v in options.items() if k not in ("head", "embed")}
        self.embed = cached(local_embedder(options.get("encoder")))

    def columns(self) -> list[str]:
        """The head's labels (``normal`` is derived from them, so it is not needed)."""
        return [c for c in self.task(None).columns() if c != "normal"]

    def task(self, artefact: Path | None) -> Task:
        from radlite.tasks.chest import ChestTask

        return ChestTask(**self.options, **self.task_options(artefact), embed=self.embed)

    def task_options(self, artefact: Path | None) -> dict[str, Any]:
        from radlite.tasks.chest.head import default_head_path

        return {"head": str(artefact or default_head_path())}

    def fit(self, train: LearnSet, parent: Path | None, out: Path,
            progress: Progress) -> dict[str, Any]:
        from radlite.learn.chest import adapt_head
        from radlite.tasks.chest.head import default_head_path, load_head

        head = load_head(parent or default_head_path())
        site = adapt_head(head, train.texts, train.gold, self.embed, progress)
        site.save(out)
        return dict(site.card or {})


class AbdctLearner(_ModelFree):
    """Chooses a site's abdominal CT labelling conventions."""

    task_name = "abdct"
    kind = "abdct-conventions"
    scoring = "labels"

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = {k: v for k, v in options.items() if k != "conventions"}
        if self.options.get("mode", "rules") != "rules":
            raise InputError("radlite learn fits abdct conventions in rules mode")

    def columns(self) -> list[str]:
        return self.task(None).columns()

    def task(self, artefact: Path | None) -> Task:
        from radlite.tasks.abdct import AbdctTask

        return AbdctTask(**self.options, **self.task_options(artefact))

    def task_options(self, artefact: Path | None) -> dict[str, Any]:
        if artefact is None:
            return {"conventions": []}
        data = json.loads((artefact / CONVENTIONS_FILE).read_text(encoding="utf-8"))
        return {"conventions": list(data["conventions"])}

    def fit(self, train: LearnSet, parent: Path | None, out: Path,
            progress: Progress) -> dict[str, Any]:
        from radlite.tasks.abdct.fit_conventions import fit_conventions

        progress("scoring every convention combination", 0.3)
        chosen, micro = fit_conventions(train.reports(), train.gold)
        out.mkdir(parents=True, exist_ok=True)
        card = {"conventions": chosen, "train_micro_f1": round(micro, 4),
                "n_reports": len(train)}
        (out / CONVENTIONS_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        return card


class ImpressionLearner(_ModelFree):
    """Learns a reader's (or site's) impression habits from the impressions they chose:
    a layout profile (numbered list, closing sentence) and an example bank of their own
    findings -> impression pairs for the examples-aware draft (phrasing habits)."""

    task_name = "impression"
    kind = "impression-style"
    scoring = "text"

    def __init__(self, options: dict[str, Any]) -> None:
        drop = ("profile", "examples_file", "examples_share")
        self.options = {k: v for k, v in options.items() if k not in drop}

    def columns(self) -> list[str]:
        return ["impression"]

    def task(self, artefact: Path | None) -> Task:
        from radlite.tasks.impression.task import ImpressionTask

        extra = self.task_options(artefact) if artefact is not None else {}
        return ImpressionTask(**self.options, **extra)

    def task_options(self, artefact: Path) -> dict[str, Any]:
        return {"profile": str(artefact / PROFILE_FILE),
                "examples_file": str(artefact / EXAMPLES_FILE)}

    def fit(self, train: LearnSet, parent: Path | None, out: Path,
            progress: Progress) -> dict[str, Any]:
        import csv

        from radlite.tasks.impression.profile import learn_profile

        if self.options.get("mode", "draft") != "draft":
            raise InputError("radlite learn learns impression habits in the draft mode; the "
                             "model modes are adapted with radlite train")
        progress("counting the chosen impressions' layout habits", 0.3)
        chosen = [str(g.get("impression") or "") for g in train.gold]
        profile = learn_profile(chosen)
        out.mkdir(parents=True, exist_ok=True)
        profile.save(out / PROFILE_FILE)
        with (out / EXAMPLES_FILE).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "findings", "impression"])
            writer.writerows(zip(train.ids, train.texts, chosen, strict=True))
        return {"numbered": profile.numbered, "closing": profile.closing,
                "evidence": profile.evidence, "examples": len(train)}


PROFILE_FILE = "profile.json"
EXAMPLES_FILE = "examples.csv"
LEARNERS: dict[str, type] = {"chest": ChestLearner, "abdct": AbdctLearner,
                             "impression": ImpressionLearner}


def learner_for(task_name: str, options: dict[str, Any] | None = None,
                train: dict[str, Any] | None = None) -> Learner:
    """The learner of ``task_name`` configured with the job's task ``options``; tasks
    with a trainable model adapter (LI-RADS) get :class:`radlite.learn.lora.LoraLearner`
    with the SFT settings ``train``.

    Raises:
        InputError: a task ``radlite learn`` cannot train.
    """
    from radlite.tasks.registry import task_spec

    spec = task_spec(task_name)
    given = {k: v for k, v in (options or {}).items() if v is not None}
    if spec.name in LEARNERS:
        learner: Learner = LEARNERS[spec.name](given)
        return learner
    if spec.training is not None and spec.kind == "extract":
        from radlite.learn.lora import LoraLearner

        return LoraLearner(spec.name, given, train)
    raise InputError(f"radlite learn does not train task '{spec.name}' (it learns: "
                     f"{', '.join(sorted(LEARNERS))} and tasks with a model adapter)")
