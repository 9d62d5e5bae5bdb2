"""The chest X-ray task: CheXpert's 14 observations or the ChestX-ray14 label set.

Modes: ``rules`` (the baseline, :mod:`radlite.tasks.chest.rules`) and ``verify``
(rules find concept mentions; the model answers, per mention, whether the sentence says
the patient has it: yes/no/maybe). This is a *batched task*: work happens in
:meth:`ChestTask.run_batch`, which the job runner calls once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Evidence, Record, Report
from radlite.tasks.abdct.questions import ask, build, decode, load_prompts
from radlite.tasks.base import Task
from radlite.tasks.chest.labels import chestxray14_labels, chexpert_observations
from radlite.tasks.chest.mentions import Mention, find_mentions, load_concepts
from radlite.tasks.chest.rules import label_mentions

MODES = ("rules", "verify")
LABEL_SETS = ("chexpert", "chestxray14")


class ChestTask(Task):
    """Chest X-ray labels with evidence sentences.

    Args:
        mode: ``rules`` (baseline) or ``verify`` (model checks each mention).
        labels: ``chexpert`` (1/0/-1/blank) or ``chestxray14`` (1/0, Open-i names).
        max_chars: reports longer than this fail with a clear reason.
        batch_size: model questions per backend call.
    """

    name = "chest"
    batched = True
    default_batch_size = 32

    def __init__(self, mode: str = "rules", labels: str = "chexpert",
                 max_chars: int | None = None, batch_size: int | None = None) -> None:
        if mode not in MODES:
            raise ConfigError(f"unknown chest mode '{mode}'; choose from {MODES}")
        if labels not in LABEL_SETS:
            raise ConfigError(f"unknown chest label set '{labels}'; choose from {LABEL_SETS}")
        self.mode, self.label_set, self.batch_size = mode, labels, batch_size
        self.prompts = load_prompts("radlite.tasks.chest", "verify-v1")
        self.template_version = f"{mode}:{self.prompts.version}"
        if max_chars:
            self.max_chars = int(max_chars)

    @property
    def needs_model(self) -> bool:
        """False for the deterministic ``rules`` mode."""
        return self.mode != "rules"

    def columns(self) -> list[str]:
        return chestxray14_labels() if self.label_set == "chestxray14" else chexpert_observations()

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        raise ConfigError("chest asks one question per mention: use ChestTask.run_batch")

    def parse(self, report: Report, text: str) -> Record:
        raise ConfigError("chest asks one question per mention: use ChestTask.run_batch")

    def verify(self, backend: Any, per_report: list[list[Mention]]) -> list[list[Mention]]:
        """Replace each mention's certainty by the model's answer (when valid)."""
        flat = [m for ms in per_report for m in ms]
        concepts = load_concepts()
        requests = [build(self.prompts, "certainty", sentence=m.sentence.text,
                          concept=concepts[m.concept].get("question", m.concept.replace("_", " ")))
                    for m in flat]
        answers = [decode(self.prompts, "certainty", a)
                   for a in ask(backend, requests, self.batch_size)]
        fixed = iter(replace(m, certainty=a) if a else m for m, a in zip(flat, answers, strict=True))
        return [[next(fixed) for _ in ms] for ms in per_report]

    def record(self, report: Report, mentions: list[Mention]) -> Record:
        """The record of one report from its mentions."""
        values = label_mentions(mentions, self.label_set)
        concepts = load_concepts()
        key = "cxr14" if self.label_set == "chestxray14" else "chexpert"
        evidence: dict[str, list[Evidence]] = {}
        for m in mentions:
            mapped = concepts[m.concept].get(key) or []
            for label in [mapped] if isinstance(mapped, str) else mapped:
                span = Evidence(m.sentence.start, m.sentence.end, m.sentence.text)
                if span not in evidence.setdefault(label, []):
                    evidence[label].append(span)
        found = [{"concept": m.concept, "certainty": m.certainty, "start": m.start, "end": m.end}
                 for m in mentions]
        return Record(id=report.id, task=self.name, status="ok", values=values,
                      evidence=evidence, extra={"mentions": found, "mode": self.mode})

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        """Records for ``reports``; ``backend`` may be None in ``rules`` mode."""
        problems = [self.check_report(r) for r in reports]
        todo = [r for r, p in zip(reports, problems, strict=True) if not p]
        mentions = [find_mentions(r.text) for r in todo]
        if self.needs_model:
            if backend is None:
                raise ConfigError(f"chest mode '{self.mode}' needs a model backend")
            mentions = self.verify(backend, mentions)
        done = {r.id: self.record(r, m) for r, m in zip(todo, mentions, strict=True)}
        return [done.get(r.id) or Record.failed(r.id, self.name, p or "")
                for r, p in zip(reports, problems, strict=True)]

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "mode": self.mode, "labels": self.label_set}
