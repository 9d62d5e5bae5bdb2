"""Liver observations mentioned in a report: sizes and Couinaud segments with their spans.

These deterministic finders locate evidence for ``size`` and ``location`` and describe
the index lesion in the JSONL output; the model, not these rules, decides the values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"(\d+(?:\.\d+)?)"
SIZE_RE = re.compile(
    rf"{_NUM}\s*(?:(?:x|×|\*|by)\s*{_NUM}\s*)?(?:(?:x|×|\*|by)\s*{_NUM}\s*)?"
    r"(cm|mm|센티미터|센티|밀리미터|밀리)(?![a-z])",
    re.IGNORECASE,
)
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "iva": 4, "ivb": 4, "v": 5, "vi": 6, "vii": 7,
         "viii": 8}
SEGMENT_RE = re.compile(
    r"(?:\bS\s?([1-8])(?![0-9])|\bseg(?:ment)?s?\.?\s*([1-8]|viii|vii|vi|iva|ivb|iv|v|iii|ii|i)\b"
    r"|([1-8])\s*(?:번\s*)?(?:구역|분절)|\b(caudate)\b|(미상엽))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A size or segment mention: its value and character span."""

    value: int
    start: int
    end: int


def size_mentions(text: str) -> list[Mention]:
    """Every size in the text, converted to whole millimetres of its largest dimension."""
    found = []
    for match in SIZE_RE.finditer(text):
        numbers = [float(g) for g in match.groups()[:3] if g]
        unit = match.group(4).lower()
        factor = 1.0 if unit.startswith(("mm", "밀리")) else 10.0
        found.append(Mention(round(max(numbers) * factor), match.start(), match.end()))
    return found


def segment_mentions(text: str) -> list[Mention]:
    """Every Couinaud segment named in the text (caudate = 1)."""
    found = []
    for match in SEGMENT_RE.finditer(text):
        arabic, word, korean, caudate, caudate_ko = match.groups()
        if caudate or caudate_ko:
            value = 1
        elif word:
            value = int(word) if word.isdigit() else ROMAN[word.lower()]
        else:
            value = int(arabic or korean)
        found.append(Mention(value, match.start(), match.end()))
    return found


