"""The LI-RADS task: 12 features of the index liver lesion (../shared/specs/lirads-features.md)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined

from radlite.core.decoding import attempt_sampling
from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest
from radlite.core.types import Record, Report
from radlite.tasks.base import Task, load_prompt
from radlite.tasks.lirads import evidence, format, gate, observations

TEMPLATES = ("compact-v1", "json-v1")
_JINJA = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class LiradsTask(Task):
    """Prompt builder and parser for LI-RADS feature extraction.

    Args:
        template: ``compact-v1`` (short prompt, values-only answer; for fine-tuned small
            models, the default of the embedded model) or ``json-v1`` (full instructions,
            JSON answer; for zero-shot larger models).
        max_chars: reports longer than this fail with a clear reason.
        constrain_values: restrict the decoded ``size`` and ``seg`` to the sizes (in mm)
            and Couinaud segments written in the report (or empty), so the model chooses
            among stated values instead of inventing numbers. Reports with no size or
            segment mention fall back to the general pattern.
        evidence_gate: the gate steps of :mod:`radlite.tasks.lirads.gate`: a binary
            feature with no cue or only negated ones becomes 0 (``extra.unsupported``),
            the size and segment are checked against the text (``extra.reindexed``),
            a lesion feature the index lesion's description negates becomes 0.
        cue_completion: after the gate, set a feature of
            :data:`radlite.tasks.lirads.gate.COMPLETED` (and ``af_benign``) to 1 when the
            index lesion's description states it (listed in ``extra.completed``).
    """

    name = "lirads"

    def __init__(self, template: str = "compact-v1", max_chars: int | None = None,
                 constrain_values: bool = False, evidence_gate: bool = True,
                 cue_completion: bool = True) -> None:
        if template not in TEMPLATES:
            raise ConfigError(f"unknown LI-RADS template '{template}'; choose from {TEMPLATES}")
        self.prompt = load_prompt(__package__, template)
        self.template_version = self.prompt["version"]
        self.output = self.prompt["output"]
        if max_chars:
            self.max_chars = int(max_chars)
        self.constrain_values = bool(constrain_values)
        self.evidence_gate = bool(evidence_gate)
        self.cue_completion = bool(cue_completion)
        self._system = _JINJA.from_string(self.prompt["system"])
        self._user = _JINJA.from_string(self.prompt["user"])

    def messages(self, text: str) -> tuple[dict[str, str], ...]:
        """Chat messages for a report text (also used to build training examples)."""
        return (
            {"role": "system", "content": self._system.render().strip()},
            {"role": "user", "content": self._user.render(report=text.strip())},
        )

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        constraint: dict[str, Any]
        if self.output == "compact":
            constraint = {"regex": self._regex(report.text)}
        else:
            constraint = {"json_schema": format.json_schema()}
        return GenerationRequest(
            messages=self.messages(report.text),
            max_new_tokens=int(self.prompt["max_new_tokens"]),
            key=report.id,
            **attempt_sampling(attempt),
            **constraint,
        )

    def fingerprint(self) -> dict[str, Any]:
        """Template version, stated-value decoding, the evidence gate and completion."""
        return {**self.provenance(), "constrain_values": self.constrain_values,
                "evidence_gate": self.evidence_gate, "cue_completion": self.cue_completion,
                "pipeline_steps": gate.VERSION}

    def _regex(self, text: str) -> str:
        if not self.constrain_values:
            return format.compact_regex()
        sizes = [m.value for m in observations.size_mentions(text)]
        segments = [m.value for m in observations.segment_mentions(text)]
        return format.compact_regex(sizes, segments)

    def training_pair(self, report: Report, values: dict[str, Any]
                      ) -> tuple[tuple[dict[str, str], ...], str]:
        """The inference messages and :meth:`target` (see :meth:`Task.training_pair`)."""
        return self.messages(report.text), self.target(values)

    def target(self, values: dict[str, Any]) -> str:
        """The answer a model should give for gold ``values`` (training target)."""
        if self.output == "compact":
            return format.format_compact(values)
        import json

        clean = format.validate(values)
        return json.dumps(clean, separators=(", ", ": "))

    def parse(self, report: Report, text: str) -> Record:
        values = format.parse_output(text)
        values, changes = gate.run(report.text, values, self.evidence_gate,
                                   self.cue_completion)
        extra: dict[str, Any] = dict(changes)
        spans, index_lesion = evidence.align(report.text, values)
        if index_lesion:
            extra["index_lesion"] = index_lesion
        return Record(id=report.id, task=self.name, status="ok", values=values,
                      evidence=spans, extra=extra)

    def columns(self) -> list[str]:
        return list(format.FEATURES)

    def review_value(self, column: str, value: Any) -> Any:
        """A reviewer's value checked against the feature's range (size in mm, segment
        1-8, binary 0/1).

        Raises:
            SchemaError: out of range or not a number.
        """
        probe: dict[str, Any] = {f: (None if f in ("size", "location") else 0)
                                 for f in format.FEATURES}
        probe[column] = value
        return format.validate(probe)[column]
