"""The ``summarize`` task: one patient's report series -> per-report changes + summary.

Key term: a *patient item* is a :class:`~radlite.core.types.Report` whose ``id`` is the
patient id and whose ``text`` is the patient's JSONL object as JSON text (written by
:func:`radlite.pipeline.summarize_job.read_patients`), so the job runner, the job store and
resume work unchanged. No model is called (:attr:`needs_model` is False); the records'
values are :func:`radlite.tasks.summarize.summarize_series`'s output.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Record, Report
from radlite.tasks.base import Task


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
    """Summarise patients' series deterministically (no model)."""

    name = "summarize"
    template_version = "series-v1"
    batched = True

    @property
    def needs_model(self) -> bool:
        return False

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
        """One ``ok`` record per patient; values = ``summarize_series`` output."""
        from radlite.tasks.summarize.summary import summarize_series

        records = []
        for report in reports:
            values = summarize_series(json.loads(report.text))
            if values.get("patient_id") is None:
                values["patient_id"] = report.id
            records.append(Record(id=report.id, task=self.name, status="ok", values=values,
                                  provenance=self.provenance()))
        return records
