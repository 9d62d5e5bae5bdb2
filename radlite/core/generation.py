"""Generation requests and results: the only types shared by tasks and backends.

Tasks build :class:`GenerationRequest` objects; backends turn them into
:class:`GenerationResult` objects. Neither side knows the other's classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One prompt to complete.

    Attributes:
        messages: chat messages (``{"role": ..., "content": ...}``).
        max_new_tokens: hard cap on generated tokens.
        json_schema: when set, the output must be JSON valid against this schema
            (backends that support constrained decoding enforce it while generating).
        regex: when set, the output must match this regular expression (constrained
            decoding where supported); ignored by backends without the capability.
        temperature: 0 means greedy decoding.
        seed: sampling seed for reproducible retries with temperature > 0.
        key: caller's tag (e.g. the report id); backends echo it, never log it.
        top_k: sample only from the k most likely tokens (None: backend default).
        top_p: nucleus sampling mass (None: backend default).
        num_beams: beam search width (1: no beam search).
        length_penalty: beam-search length exponent (None: backend default).
        repetition_penalty: penalty on repeated tokens (None or 1.0: none).

    The sampling and beam fields are set by :class:`radlite.core.decoding.Decoding` (the
    user's decoding controls); tasks set only ``temperature`` and ``seed`` (retries).
    """

    messages: tuple[dict[str, str], ...]
    max_new_tokens: int = 128
    json_schema: dict[str, Any] | None = None
    regex: str | None = None
    temperature: float = 0.0
    seed: int | None = None
    key: str = ""
    top_k: int | None = None
    top_p: float | None = None
    num_beams: int = 1
    length_penalty: float | None = None
    repetition_penalty: float | None = None

    def prompt_chars(self) -> int:
        """Total characters in the messages (a cheap length for batching by size)."""
        return sum(len(m.get("content", "")) for m in self.messages)


@dataclass(slots=True)
class GenerationResult:
    """The outcome of one request: text, or an error that says why there is none."""

    text: str = ""
    error: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the backend produced text without an error."""
        return self.error is None
