"""The abdominal CT task: organ x finding-type labels (../shared/specs/abdct-labels.md).

Several model questions per report (or none, in ``rules`` mode) do not fit one request
per report, so this is a *batched task*: its work happens in :meth:`AbdctTask.run_batch`
(reports in, records out, a backend passed in), which the job runner calls once per
batch (:mod:`radlite.pipeline.task_batches`). :meth:`build_request`/:meth:`parse` are
never used and raise a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Evidence, Record, Report
from radlite.tasks.abdct import labels
from radlite.tasks.abdct.lexicon import load_lexicon, parse_conventions
from radlite.tasks.abdct.propose import Candidate, propose
from radlite.tasks.abdct.staged import MODES, refine
from radlite.tasks.base import Task
from radlite.tasks.questions import load_prompts

DEFAULT_MODE = "rules"


class AbdctTask(Task):
    """Abdominal CT organ labels with evidence sentences.

    Args:
        mode: ``rules`` (deterministic baseline), ``fast`` (model checks each candidate's
            certainty) or ``staged`` (model filters sentences, types, certainty, urgency).
        organs: organ names (default: the schema's nine); each needs an entry in
            ``organs.yaml``.
        max_chars: reports longer than this fail with a clear reason.
        batch_size: model questions per backend call (default: the backend's).
        conventions: site conventions ``NAME=CHOICE`` (``conventions.yaml``: appendix,
            solid_organs, collapsed_bowel, gallbladder_distension); default the shipped
            readings.
    """

    name = "abdct"
    batched = True
    default_batch_size = 32

    def __init__(self, mode: str = DEFAULT_MODE, organs: Sequence[str] | None = None,
                 max_chars: int | None = None, batch_size: int | None = None,
                 conventions: Sequence[str] | None = None) -> None:
        if mode not in MODES:
            raise ConfigError(f"unknown abdct mode '{mode}'; choose from {MODES}")
        self.mode = mode
        self.organs = list(organs or labels.default_organs())
        self.conventions = parse_conventions(list(conventions or []))
        try:
            self.lexicon = load_lexicon(tuple(self.organs), self.conventions)
        except KeyError as exc:
            raise ConfigError(f"organ {exc} has no entry in organs.yaml") from exc
        self.prompts = load_prompts("radlite.tasks.abdct", "staged-v1")
        self.template_version = f"{mode}:{self.prompts.version}"
        self.request_batch_size = batch_size
        if max_chars:
            self.max_chars = int(max_chars)

    @property
    def needs_model(self) -> bool:
        """False for the deterministic ``rules`` mode."""
        return self.mode != "rules"

    def columns(self) -> list[str]:
        return labels.columns(self.organs)

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        raise ConfigError("abdct asks several questions per report: use AbdctTask.run_batch")

    def parse(self, report: Report, text: str) -> Record:
        raise ConfigError("abdct asks several questions per report: use AbdctTask.run_batch")

    def record(self, report: Report, cands: list[Candidate]) -> Record:
        """The record of one report from its (refined) candidates."""
        values = labels.wide_values(self.organs, cands)
        evidence: dict[str, list[Evidence]] = {}
        groups = labels.label_groups()
        for c in cands:
            if c.certainty not in labels.PRESENT:
                continue
            for group, types in groups.items():
                if c.type in types:
                    span = Evidence(c.sentence.start, c.sentence.end, c.sentence.text)
                    spans = evidence.setdefault(f"{c.organ}_{group}", [])
                    if span not in spans:
                        spans.append(span)
        findings = [{"organ": c.organ, "type": c.type, "certainty": c.certainty,
                     "urgency": c.urgency, "start": c.sentence.start, "end": c.sentence.end}
                    for c in cands]
        return Record(id=report.id, task=self.name, status="ok", values=values,
                      evidence=evidence, extra={"findings": findings, "mode": self.mode})

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        """Records for ``reports`` (failed records for reports that cannot be processed).

        Args:
            backend: a Backend; may be None in ``rules`` mode.
            reports: the reports.
        """
        problems = [self.check_report(r) for r in reports]
        todo = [r for r, p in zip(reports, problems, strict=True) if not p]
        cands = [propose(r.text, self.lexicon) for r in todo]
        if self.needs_model:
            if backend is None:
                raise ConfigError(f"abdct mode '{self.mode}' needs a model backend")
            cands = refine(backend, self.prompts, cands, self.mode)
        done = {r.id: self.record(r, c) for r, c in zip(todo, cands, strict=True)}
        return [done.get(r.id) or Record.failed(r.id, self.name, p or "")
                for r, p in zip(reports, problems, strict=True)]

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "mode": self.mode,
                "conventions": dict(self.conventions)}

    def fingerprint(self) -> dict[str, Any]:
        """Provenance plus the organs, which decide the output columns."""
        return {**self.provenance(), "organs": list(self.organs)}
