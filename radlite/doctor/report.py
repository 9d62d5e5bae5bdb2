"""The doctor's findings: one :class:`Check` a line, grouped in sections, as text or JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

#: Section titles, in the order they are printed.
SECTIONS = ("versions", "models", "extras", "hardware", "default commands")


@dataclass
class Check:
    """One finding.

    Attributes:
        section: one of :data:`SECTIONS`.
        name: what was checked (a library, a model, an extra, a command).
        ok: whether it is present and works.
        detail: a version, a path, an error (never report text).
        seconds: how long loading or running took, when it was timed.
        needed_by: the commands that need it.
        default: True when a command's default path needs it; a failure is then fatal.
    """

    section: str
    name: str
    ok: bool
    detail: str = ""
    seconds: float | None = None
    needed_by: str = ""
    default: bool = False

    def line(self) -> str:
        """The check as one printed line."""
        mark = "ok  " if self.ok else ("FAIL" if self.default else "--  ")
        timing = f" ({self.seconds:.1f} s)" if self.seconds is not None else ""
        needs = f" [needed by: {self.needed_by}]" if self.needed_by and not self.ok else ""
        return f"  {mark} {self.name}: {self.detail}{timing}{needs}"


@dataclass
class Diagnosis:
    """Every check of one doctor run."""

    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        """Checks of default paths that failed: each one breaks a command's default."""
        return [c for c in self.checks if c.default and not c.ok]

    @property
    def ok(self) -> bool:
        """True when every default path can run."""
        return not self.failures

    def text(self) -> str:
        """The human-readable report."""
        lines: list[str] = []
        for section in SECTIONS:
            rows = [c for c in self.checks if c.section == section]
            if rows:
                lines.append(f"{section}:")
                lines.extend(c.line() for c in rows)
        if self.ok:
            lines.append("every default path can run")
        else:
            lines.append(f"{len(self.failures)} problem(s) stop a default path:")
            lines.extend(f"  - {c.name}: {c.detail}" for c in self.failures)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


class Timer:
    """Seconds since creation (for :func:`timed`)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.seconds: float | None = None


@contextmanager
def timed() -> Iterator[Timer]:
    """Measure the block's wall-clock seconds into ``timer.seconds``."""
    timer = Timer()
    try:
        yield timer
    finally:
        timer.seconds = round(time.perf_counter() - timer.start, 2)


def attempt(section: str, name: str, probe: Callable[[], str], *, needed_by: str = "",
            default: bool = False, timed_check: bool = True) -> Check:
    """Run ``probe`` (which returns a detail line); an exception fails the check.

    With ``timed_check`` the check records how long the probe took (loads, runs).

    Only the exception's type and message are kept; probes never put report text in them.
    """
    with timed() as timer:
        try:
            detail, ok = probe(), True
        except Exception as exc:  # noqa: BLE001 - the doctor reports every failure
            detail, ok = f"{type(exc).__name__}: {exc}".splitlines()[0][:300], False
    seconds = timer.seconds if timed_check else None
    return Check(section, name, ok, detail, seconds, needed_by, default)
