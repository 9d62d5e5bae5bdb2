"""The longitudinal reader's vocabulary (``vocabulary.yaml``), compiled once.

Each list becomes one case-insensitive alternation matched on word boundaries;
grouped lists (heads, organs, status) keep their group name, so a match tells its kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9-])(?:{_alternation(patterns)})(?![A-Za-z0-9])",
                      re.IGNORECASE)


def _grouped(groups: dict[str, list[str]]) -> re.Pattern[str]:
    parts = [f"(?P<g{i}>{_alternation(p)})" for i, p in enumerate(groups.values())]
    return re.compile(rf"(?<![A-Za-z0-9-])(?:{'|'.join(parts)})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class Grouped:
    """A grouped pattern: :meth:`kind` names the group of a match."""

    pattern: re.Pattern[str]
    names: tuple[str, ...]

    def kind(self, match: re.Match[str]) -> str:
        """The group name of ``match``."""
        index = next(i for i, g in enumerate(match.groups()) if g is not None)
        return self.names[index]

    def finditer(self, text: str) -> list[tuple[re.Match[str], str]]:
        """Every match with its group name."""
        return [(m, self.kind(m)) for m in self.pattern.finditer(text)]


@dataclass(frozen=True)
class Vocabulary:
    """Compiled vocabulary of the longitudinal reader."""

    heads: Grouped
    landmarks: re.Pattern[str]
    organs: Grouped
    details: re.Pattern[str]
    sides: Grouped
    status: Grouped
    no_disease: re.Pattern[str]
    no_new: re.Pattern[str]
    therapy: re.Pattern[str]


def _group(data: dict[str, list[str] | str]) -> Grouped:
    lists = {k: ([v] if isinstance(v, str) else list(v)) for k, v in data.items()}
    return Grouped(_grouped(lists), tuple(lists))


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary (``radlite/tasks/summarize/vocabulary.yaml``)."""
    raw = resources.files("radlite.tasks.summarize").joinpath("vocabulary.yaml")
    data = yaml.safe_load(raw.read_text("utf-8"))
    return Vocabulary(
        heads=_group(data["heads"]), landmarks=_words(data["landmarks"]),
        organs=_group(data["organs"]), details=_words(data["details"]),
        sides=_group(data["sides"]), status=_group(data["status"]),
        no_disease=_words(data["no_disease"]), no_new=_words(data["no_new"]),
        therapy=_words(data["therapy"]))
