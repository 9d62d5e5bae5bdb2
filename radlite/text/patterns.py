"""Vocabulary written as regular expressions, kept in data files beside a task.

A pattern file (YAML) has an optional ``fragments`` mapping and any number of groups;
each group maps a name to ``{"regex": str | [str, ...], "ignore_case": bool}``.
``<<name>>`` inside a regex inserts a fragment, so a word list shared by several
patterns is written once. :func:`load_patterns` returns, per group, the compiled
pattern (or list of patterns) by name.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_FRAGMENT = re.compile(r"<<(\w+)>>")


def _compile(source: str, fragments: dict[str, str], flags: int) -> re.Pattern[str]:
    def insert(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise KeyError(f"unknown fragment <<{match.group(1)}>>")
        return fragments[match.group(1)]

    return re.compile(_FRAGMENT.sub(insert, source), flags)


@cache
def load_patterns(package: str, name: str) -> dict[str, dict[str, Any]]:
    """Compiled patterns of ``<package>/<name>``: ``{group: {name: pattern or [patterns]}}``.

    Raises:
        KeyError: a regex names a fragment the file does not define.
        re.error: a regex does not compile.
    """
    data = yaml.safe_load(resources.files(package).joinpath(name).read_text("utf-8"))
    fragments = {k: str(v) for k, v in (data.pop("fragments", None) or {}).items()}
    out: dict[str, dict[str, Any]] = {}
    for group, entries in data.items():
        out[group] = {}
        for key, spec in entries.items():
            flags = re.IGNORECASE if spec.get("ignore_case") else 0
            regex = spec["regex"]
            out[group][key] = ([_compile(r, fragments, flags) for r in regex]
                               if isinstance(regex, list) else _compile(regex, fragments, flags))
    return out
