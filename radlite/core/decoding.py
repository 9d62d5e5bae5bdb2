"""Decoding controls: how a backend turns a prompt into text (the user's choice).

Key term: a *control* is one setting of :class:`Decoding` (temperature, top-k, top-p,
beams, length penalty, repetition penalty, max new tokens). A control left at ``None``
keeps what the task asks for (greedy decoding, the task's token budget, its retry
policy), so the defaults reproduce earlier outputs exactly. Set controls override every
request the job sends, retries included, are recorded in each record's provenance and
in the job's fingerprint (a job never resumes across a change of them), and are checked
against what the backend supports before any report is processed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from radlite.core.errors import ConfigError
from radlite.core.generation import GenerationRequest

#: Temperature of a task's retry after an answer that did not parse or validate.
RETRY_TEMPERATURE = 0.7

#: Every control, in the order of the CLI options.
CONTROLS = ("temperature", "top_k", "top_p", "num_beams", "length_penalty",
            "repetition_penalty", "max_new_tokens")


@dataclass(frozen=True)
class Decoding:
    """Decoding controls; ``None`` leaves the task's own setting.

    Attributes:
        temperature: 0 = greedy; above 0 samples.
        top_k: sample from the k most likely tokens (needs temperature > 0).
        top_p: nucleus sampling, 0 < p <= 1 (needs temperature > 0).
        num_beams: beam search width, >= 1.
        length_penalty: beam search length exponent (needs num_beams > 1).
        repetition_penalty: > 0; 1.0 is none, above 1 discourages repeats.
        max_new_tokens: cap on generated tokens per request.
    """

    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    num_beams: int | None = None
    length_penalty: float | None = None
    repetition_penalty: float | None = None
    max_new_tokens: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.temperature is not None and self.temperature < 0:
            problems.append("temperature must be >= 0")
        if self.top_k is not None and self.top_k < 1:
            problems.append("top_k must be >= 1")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            problems.append("top_p must be in (0, 1]")
        if self.num_beams is not None and self.num_beams < 1:
            problems.append("num_beams must be >= 1")
        if self.repetition_penalty is not None and self.repetition_penalty <= 0:
            problems.append("repetition_penalty must be > 0")
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            problems.append("max_new_tokens must be >= 1")
        sampling = self.temperature is not None and self.temperature > 0
        if (self.top_k is not None or self.top_p is not None) and not sampling:
            problems.append("top_k/top_p only act when sampling: set temperature > 0")
        if self.length_penalty is not None and (self.num_beams or 1) < 2:
            problems.append("length_penalty only acts in beam search: set num_beams > 1")
        if problems:
            raise ConfigError("decoding: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Decoding:
        """Controls from a mapping (a config section, CLI options, ``key=value`` pairs).

        Raises:
            ConfigError: an unknown control or a value of the wrong type or range.
        """
        unknown = sorted(set(values) - set(CONTROLS))
        if unknown:
            raise ConfigError(f"unknown decoding control(s) {unknown}; choose from {CONTROLS}")
        typed: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = values.get(field.name)
            if value is None or value == "":
                continue
            kind = int if field.name in ("top_k", "num_beams", "max_new_tokens") else float
            try:
                typed[field.name] = kind(value)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"decoding: {field.name}={value!r} is not a number") from exc
        return cls(**typed)

    @classmethod
    def parse(cls, text: str) -> Decoding:
        """Controls from ``"temperature=0.7,top_p=0.9"`` (an empty string: none set)."""
        pairs = [p.strip() for p in text.split(",") if p.strip()]
        bad = [p for p in pairs if "=" not in p]
        if bad:
            raise ConfigError(f"decoding: expected name=value, got {bad}")
        return cls.from_mapping(dict(p.split("=", 1) for p in pairs))

    def as_dict(self) -> dict[str, Any]:
        """The controls that are set (empty: the task's defaults)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def label(self) -> str:
        """A short name for reports and file names (``temperature=0.7,top_p=0.9``)."""
        return ",".join(f"{k}={v}" for k, v in self.as_dict().items()) or "default"

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """``request`` with every set control in place of the task's setting."""
        changes = self.as_dict()
        return dataclasses.replace(request, **changes) if changes else request


def attempt_sampling(attempt: int) -> dict[str, Any]:
    """The tasks' own policy per attempt: greedy first, then sampling seeded by the attempt.

    Returns ``temperature`` and ``seed`` for :class:`GenerationRequest` (set controls of a
    :class:`Decoding` still override them).
    """
    return {"temperature": 0.0 if attempt == 0 else RETRY_TEMPERATURE, "seed": attempt or None}
