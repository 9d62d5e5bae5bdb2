"""Shared helpers of the pipeline tests: scripted answers, input files, a trivial task."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from radlite.backends.scripted import ScriptedBackend
from radlite.core.errors import BackendError, SchemaError
from radlite.core.generation import GenerationRequest, GenerationResult
from radlite.core.types import Record, Report
from radlite.tasks.base import Task
from radlite.tasks.lirads.format import BINARY, format_compact


def lirads_answer(request: GenerationRequest) -> str:
    """A valid compact LI-RADS answer derived from the report text (deterministic)."""
    text = request.messages[-1]["content"]
    size = 5 + sum(map(ord, text)) % 40
    return format_compact({"size": size, "location": 1 + len(text) % 8,
                           **{b: int(len(text) % (i + 2) == 0) for i, b in enumerate(BINARY)}})


def slow_answer(request: GenerationRequest) -> str:
    """:func:`lirads_answer` after a pause, so a run can be killed mid-batch."""
    time.sleep(float(os.environ.get("RADLITE_TEST_DELAY", "0.02")))
    return lirads_answer(request)


class FlakyBackend(ScriptedBackend):
    """Raises ``BackendError`` on every third ``generate`` call."""

    name = "flaky"

    def __init__(self) -> None:
        super().__init__(responder=lirads_answer)
        self.calls = 0

    def generate(self, requests):  # noqa: ANN001, ANN201 - same as the base class
        self.calls += 1
        if self.calls % 3 == 0:
            raise BackendError("simulated outage")
        return super().generate(requests)


class EchoTask(Task):
    """A trivial task (value = report length) for tests where parsing cost is noise."""

    name = "echo"

    def build_request(self, report: Report, attempt: int = 0) -> GenerationRequest:
        return GenerationRequest(messages=({"role": "user", "content": report.text},), key=report.id)

    def parse(self, report: Report, text: str) -> Record:
        if not text.isdigit():
            raise SchemaError("not a number")
        return Record(id=report.id, task=self.name, status="ok", values={"n": int(text)})

    def columns(self) -> list[str]:
        return ["n"]


def length_answer(request: GenerationRequest) -> GenerationResult:
    """The EchoTask answer: the prompt's length."""
    return GenerationResult(text=str(len(request.messages[-1]["content"])), key=request.key)


REPORT = ("LIVER: {n} cm arterial phase hyperenhancing observation in segment {s} with washout "
          "and capsule. Cirrhotic morphology. Case {i}.")


def write_reports(path: Path, n: int, pad: int = 0) -> Path:
    """A CSV of ``n`` LI-RADS-like reports (``pad`` extra characters each)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "report"])
        for i in range(n):
            text = REPORT.format(n=1 + i % 5, s=1 + i % 8, i=i) + " x" * (i % 7) + "." * pad
            writer.writerow([f"r{i:06d}", text])
    return path


class LengthBackend(ScriptedBackend):
    """Answers :class:`EchoTask` requests without keeping them (for memory tests)."""

    def generate(self, requests):  # noqa: ANN001, ANN201 - same as the base class
        return [length_answer(r) for r in requests]
