"""The ``summarize`` task: one patient's report series -> lesion table, changes, summary.

Key term: a *patient item* is a :class:`~radlite.core.types.Report` whose ``id`` is the
patient id and whose ``text`` is the patient's JSONL object as JSON text (written by
:func:`radlite.pipeline.summarize_job.read_patients`), so the job runner, the job store and
resume work unchanged. The records' values are
:func:`radlite.tasks.summarize.summarize_series`'s output. In ``table`` mode (default) no
model is called; in ``model`` mode the backend rewrites each summary sentence and the
grounding gate of :mod:`radlite.tasks.summarize.prose` keeps a rewrite only where it
states nothing the lesion table does not (else the table's sentence stands).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Record, Report
from radlite.tasks.base import Task
from radlite.tasks.summarize.statements import load_selector, shipped_selector


def series_problem(series: Any) -> str | None:
    """A specific reason why a patient's series cannot be summarised, or None."""
    if not isinstance(series, dict):
        return "malformed patient: expected a JSON object"
    reports = series.get("reports")
    if reports is None:
        return "malformed patient: no 'reports' field"
    if not isinstance(reports, list):
        return f"malformed patient: 'reports' is a {type(reports).__name__}, not a list"
    if not reports:
        return "malformed patient: 'reports' is empty (no reports to summarise)"
    for number, report in enumerate(reports, 1):
        if not isinstance(report, dict):
            return f"malformed patient: report {number} is not a JSON object"
        if not str(report.get("date") or "").strip():
            return f"malformed patient: report {number} has no 'date'"
        text = report.get("impression", report.get("findings"))
        if not isinstance(text, str):
            return f"malformed patient: report {number} has no 'impression' or 'findings' text"
    return None


class SummarizeTask(Task):
    """Summarise patients' series from their lesion tables (``mode``: table or model)."""

    name = "summarize"
    template_version = "series-v4"
    batched = True

    def __init__(self, mode: str = "table", statements: str = "selected",
                 statement_model: str | Path | None = None) -> None:
        if mode not in ("table", "model"):
            raise ConfigError(f"summarize: unknown mode {mode!r}; choose table or model")
        if statements not in ("selected", "table"):
            raise ConfigError(f"summarize: unknown statements {statements!r}; choose "
                              "selected or table")
        self.mode = mode
        self.statements = statements
        self.statement_model = str(statement_model) if statement_model else None
        self.selector = load_selector(statement_model) if statement_model else None

    @property
    def needs_model(self) -> bool:
        return self.mode == "model"

    def provenance(self) -> dict[str, Any]:
        """Task part of a record's provenance: the mode, the statements kind and the
        selector's training sets and content hash."""
        selector = self.selector or (shipped_selector() if self.statements == "selected"
                                     else None)
        return {**super().provenance(), "mode": self.mode, "statements": self.statements,
                **({"statement_model": selector.card.get("trained_on", self.statement_model),
                    "statement_model_digest": selector.digest()} if selector else {})}

    def check_report(self, report: Report) -> str | None:
        """The reader's flag, invalid JSON, or a malformed series (no length limit)."""
        problem = report.meta.get("_problem")
        if problem:
            return problem
        try:
            series = json.loads(report.text)
        except json.JSONDecodeError as exc:
            return f"malformed patient: not valid JSON ({exc.msg})"
        return series_problem(series)

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        raise ConfigError("summarize calls no model: use SummarizeTask.run_batch")

    def parse(self, report: Report, text: str) -> Record:
        raise ConfigError("summarize calls no model: use SummarizeTask.run_batch")

    def columns(self) -> list[str]:
        return ["per_report", "summary", "status"]

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        """One ``ok`` record per patient; values = ``summarize_series`` output (model mode:
        with the gated rewrite of the summary and ``summary_sources`` per sentence)."""
        from radlite.tasks.summarize.summary import summarize_parts

        parts = [summarize_parts(json.loads(report.text), self.statements, self.selector)
                 for report in reports]
        if self.mode == "model":
            self._rewrite(backend, reports, parts)
        records = []
        for report, (values, _) in zip(reports, parts, strict=True):
            if values.get("patient_id") is None:
                values["patient_id"] = report.id
            records.append(Record(id=report.id, task=self.name, status="ok", values=values,
                                  provenance=self.provenance()))
        return records

    @staticmethod
    def _rewrite(backend: Any, reports: Sequence[Report],
                 parts: list[tuple[dict[str, Any], list[str]]]) -> None:
        from radlite.tasks.summarize import prose
        from radlite.tasks.summarize.summary import regrounded

        batch = [r for (_, sentences), report in zip(parts, reports, strict=True)
                 for r in prose.requests(sentences, report.id)]
        results = iter(backend.generate(batch) if batch else [])
        for report, (values, sentences) in zip(reports, parts, strict=True):
            texts = [(res.text if res.ok else "") for res in
                     (next(results) for _ in sentences)]
            kept, notes = prose.rewrite(sentences, texts, values)
            values["summary"] = " ".join(kept)
            values["summary_sources"] = notes
            values["evidence"]["summary"] = regrounded(json.loads(report.text), kept)
