"""The task interface.

A *task* builds a generation request from a report and parses the generated text into a
validated :class:`~radlite.core.types.Record` (values plus evidence spans). It never
loads models or touches files; prompts are versioned data files beside the task.

A *batched task* (``batched = True``) asks several questions per report, or none, so it
does not fit one request per report: it implements :meth:`Task.run_batch` (reports in,
records out) and the job runner calls that once per batch instead of
:meth:`Task.build_request`/:meth:`Task.parse` (see :mod:`radlite.pipeline.task_batches`).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from radlite.core.errors import ConfigError, SchemaError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Record, Report

if TYPE_CHECKING:
    from radlite.backends.base import Backend

DEFAULT_MAX_CHARS = 20_000


def load_prompt(package: str, name: str) -> dict[str, Any]:
    """Load a versioned prompt template ``prompts/<name>.yaml`` of a task package."""
    text = resources.files(package).joinpath("prompts", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


class Task(ABC):
    """A prompt builder plus a parser for one kind of output."""

    name: str = "task"
    template_version: str = "v0"
    max_chars: int = DEFAULT_MAX_CHARS
    #: True when the task processes a whole batch of reports itself (:meth:`run_batch`).
    batched: bool = False
    #: Reports per :meth:`run_batch` call when the caller does not choose (batched tasks);
    #: None: the backend's preferred batch size.
    default_batch_size: int | None = None
    #: Model requests per backend call when a batched task asks several questions per
    #: report; None: the backend's preferred batch size (see BatchingBackend).
    request_batch_size: int | None = None

    @property
    def needs_model(self) -> bool:
        """Whether the task calls a model; False lets callers skip loading one."""
        return True

    def check_report(self, report: Report) -> str | None:
        """A specific reason why ``report`` cannot be processed, or None.

        The default rejects empty and over-long reports and rows the reader flagged.
        """
        problem = report.meta.get("_problem")
        if problem:
            return problem
        if not report.text.strip():
            return "empty report: there is no text to extract from"
        if len(report.text) > self.max_chars:
            return (
                f"report has {len(report.text)} characters, above the limit of "
                f"{self.max_chars} (raise it with --max-chars if this is intended)"
            )
        return None

    @abstractmethod
    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        """The request for ``report``; ``attempt`` > 0 for retries after a bad output."""

    @abstractmethod
    def parse(self, report: Report, text: str) -> Record:
        """Parse and validate generated text into an ``ok`` record.

        Raises:
            SchemaError: the text does not parse or violates the schema.
        """

    @abstractmethod
    def columns(self) -> list[str]:
        """Value columns of the wide CSV, in order (after ``id``)."""

    def training_pair(self, report: Report, values: dict[str, Any]
                      ) -> tuple[tuple[dict[str, str], ...], str]:
        """The chat messages for ``report`` and the answer a model should write for the
        gold ``values``: what ``radlite train`` learns and rewards. The messages must be
        those :meth:`build_request` sends, so that training sees the inference prompt.

        Raises:
            ConfigError: the task has no trainable answer format.
        """
        raise ConfigError(f"task '{self.name}' cannot be trained: it declares no "
                          "training_pair")

    def review_value(self, column: str, value: Any) -> Any:
        """Check a reviewer's ``value`` for ``column`` (blank already None) and return it in
        the task's type; the review page calls this on every correction.

        The default accepts a number, text, a boolean or None; tasks with a schema check
        their ranges.

        Raises:
            SchemaError: the value is not valid for ``column``.
        """
        if value is not None and not isinstance(value, int | float | str | bool):
            raise SchemaError(f"{column}: expected a number, text or null")
        return value

    def wide_row(self, record: Record) -> list[Any]:
        """One wide-CSV row: id, values, status, error, evidence (JSON)."""
        evidence = {
            key: [[span.start, span.end, span.match] for span in spans]
            for key, spans in record.evidence.items()
        }
        values = [record.values.get(column) for column in self.columns()]
        return [record.id, *values, record.status, record.error or "",
                json.dumps(evidence, separators=(",", ":")) if evidence else ""]

    def wide_header(self) -> list[str]:
        """Header of :meth:`wide_row`."""
        return ["id", *self.columns(), "status", "error", "evidence"]

    def run_batch(self, backend: Backend | None, reports: Sequence[Report]) -> list[Record]:
        """Records for ``reports``, one per report (batched tasks only).

        Args:
            backend: the text generator; None (or a backend that refuses every request)
                when :attr:`needs_model` is False.
            reports: reports that passed :meth:`check_report`.

        Raises:
            BackendError: the backend is unusable; the runner retries the batch, then
                records every report of it as failed with the reason.
        """
        raise NotImplementedError(f"task '{self.name}' is not a batched task")

    def provenance(self) -> dict[str, Any]:
        """Task part of a record's provenance."""
        return {"task": self.name, "template_version": self.template_version}

    def fingerprint(self) -> dict[str, Any]:
        """Task part of a job's fingerprint: every setting that changes the records."""
        return self.provenance()
