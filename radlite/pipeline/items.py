"""What a batch carries: reports waiting for an attempt, and the backend usage counted."""

from __future__ import annotations

from dataclasses import dataclass

from radlite.core.types import Report


@dataclass
class Item:
    """A report waiting for (another) attempt."""

    seq: int
    report: Report
    attempt: int = 0
    last_error: str = ""


@dataclass
class BatchStats:
    """Backend usage counted by a :class:`BatchProcessor`."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    backend_errors: int = 0
