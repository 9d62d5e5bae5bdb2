"""Expand radiology shorthand ("GB", "w/o", "hypoatten") before rules read a report.

:func:`expand` returns the expanded text and an offset map, so that a rule that finds a
phrase in the expanded text can point at the same characters of the original report
(:meth:`Expanded.span`): evidence stays verbatim. The table is data
(``abbreviations.yaml``): general clinical abbreviations that mean one thing in a
radiology report, not phrases collected from any one writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True, slots=True)
class Expanded:
    """An expanded text and where each of its characters came from.

    Attributes:
        text: the expanded text.
        starts: for each offset of ``text`` (and one past its end), the original offset
            of the character (of the abbreviation, for an expansion's characters).
        ends: for each offset of ``text``, the original offset one past that character
            (past the whole abbreviation, for an expansion's characters).
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the expanded ``text[start:end]``."""
        lo = self.starts[start]
        return lo, (self.ends[end - 1] if end > start else lo)


@cache
def _table() -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    data = yaml.safe_load(resources.files(__package__).joinpath("abbreviations.yaml")
                          .read_text("utf-8"))
    table: dict[str, str] = data["expand"]
    exact = set(data.get("case_sensitive") or ())
    keys = sorted(table, key=len, reverse=True)
    alts = [f"(?-i:{re.escape(k)})" if k in exact else re.escape(k) for k in keys]
    pattern = re.compile(r"(?<![\w/])(?:" + "|".join(alts) + r")(?![\w/])", re.IGNORECASE)
    lower = {k.lower(): v for k, v in table.items() if k not in exact}
    return pattern, {k: v for k, v in table.items() if k in exact}, lower


def expand(text: str) -> Expanded:
    """Expand the abbreviations of ``abbreviations.yaml`` in ``text``.

    Args:
        text: a report or sentence.

    Returns:
        The expanded text with its offset map; the same text when nothing matched.
    """
    pattern, exact, lower = _table()
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    at = 0
    for m in pattern.finditer(text):
        word = m.group(0)
        full = exact.get(word) or lower.get(word.lower())
        if full is None:
            continue
        parts += [text[at:m.start()], full]
        starts += [*range(at, m.start()), *[m.start()] * len(full)]
        ends += [*range(at + 1, m.start() + 1), *[m.end()] * len(full)]
        at = m.end()
    parts.append(text[at:])
    starts += range(at, len(text) + 1)
    ends += range(at + 1, len(text) + 1)
    return Expanded("".join(parts), tuple(starts), tuple(ends))
