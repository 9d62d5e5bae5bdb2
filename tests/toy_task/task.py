"""The toy task: rules over radlite's shared text layer (sentences and NegEx), no model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from radlite.core.errors import SchemaError
from radlite.core.types import Evidence, Record, Report
from radlite.tasks.base import Task
from radlite.text.negex import certainty
from radlite.text.sentences import split_sentences

CALCIFICATION = re.compile(r"\b(?:micro)?calcifications?\b|\bcalcified\b", re.IGNORECASE)
SIDE = re.compile(r"\b(left|right)\b", re.IGNORECASE)


class ThyroidToyTask(Task):
    """``calcification`` (1/0: a non-negated mention) and ``side`` (left/right/blank)."""

    name = "thyroid_toy"
    template_version = "toy-v1"
    batched = True

    def __init__(self, max_chars: int | None = None) -> None:
        if max_chars:
            self.max_chars = int(max_chars)

    @property
    def needs_model(self) -> bool:
        return False

    def columns(self) -> list[str]:
        return ["calcification", "side"]

    def build_request(self, report: Report, attempt: int = 0) -> Any:
        raise NotImplementedError("the toy task is rule-based")

    def parse(self, report: Report, text: str) -> Record:
        raise NotImplementedError("the toy task is rule-based")

    def review_value(self, column: str, value: Any) -> Any:
        allowed = {"calcification": {0, 1, None}, "side": {"left", "right", None}}[column]
        value = int(value) if column == "calcification" and value is not None else value
        if value not in allowed:
            raise SchemaError(f"{column} must be one of {sorted(map(str, allowed))}")
        return value

    def run_batch(self, backend: Any, reports: Sequence[Report]) -> list[Record]:
        return [self._label(report) for report in reports]

    def _label(self, report: Report) -> Record:
        values: dict[str, Any] = {"calcification": 0, "side": None}
        evidence: dict[str, list[Evidence]] = {}
        for sentence in split_sentences(report.text):
            for match in CALCIFICATION.finditer(sentence.text):
                if certainty(sentence.text, match.start(), match.end()) == "positive":
                    values["calcification"] = 1
                    evidence.setdefault("calcification", []).append(
                        Evidence(sentence.start, sentence.end, sentence.text))
            side = SIDE.search(sentence.text)
            if side and values["side"] is None and "nodule" in sentence.text.lower():
                values["side"] = side.group(1).lower()
                start = sentence.start + side.start()
                evidence["side"] = [Evidence(start, start + len(side.group(1)), side.group(1))]
        return Record(report.id, self.name, "ok", values, evidence,
                      provenance=self.provenance())
