"""Core value types.

A *report* is one free-text radiology report with a stable id. A *record* is what a task
produced for one report: the validated values, the evidence span(s) for each value, and
the provenance (task, template version, model, adapter) that produced them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "failed"]
MatchKind = Literal["exact", "fuzzy"]


@dataclass(frozen=True, slots=True)
class Report:
    """One radiology report.

    Attributes:
        id: the report's id, unique within a job.
        text: the report text (may be empty; the task decides what that means).
        meta: other input columns (e.g. ``indication``), plus ``_problem`` when the reader
            found something wrong with this row (e.g. undecodable bytes).
    """

    id: str
    text: str
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A character span of the source report that supports a value.

    ``match`` is ``"exact"`` when the span's text was found verbatim and ``"fuzzy"``
    when it was located approximately (typos, spacing, a paraphrase of a cue).
    """

    start: int
    end: int
    text: str
    match: MatchKind = "exact"


@dataclass(slots=True)
class Record:
    """A task's output for one report; failures are records too, never dropped."""

    id: str
    task: str
    status: Status
    values: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    error: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the JSONL output format)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Rebuild a record from :meth:`to_dict` output."""
        evidence = {
            key: [Evidence(**span) for span in spans]
            for key, spans in (data.get("evidence") or {}).items()
        }
        return cls(
            id=str(data["id"]),
            task=str(data["task"]),
            status=data["status"],
            values=dict(data.get("values") or {}),
            evidence=evidence,
            error=data.get("error"),
            provenance=dict(data.get("provenance") or {}),
            extra=dict(data.get("extra") or {}),
        )

    @classmethod
    def failed(cls, report_id: str, task: str, reason: str, **provenance: Any) -> Record:
        """A failure record with a specific reason."""
        return cls(id=report_id, task=task, status="failed", error=reason, provenance=provenance)
