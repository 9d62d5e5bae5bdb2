"""Measurements in a radiology sentence: sizes with units, and which is now and which before.

Key terms: a *size* is one written dimension group ("3.8 cm", "2.1 x 1.4 cm", "38 mm")
with its character span; its value in mm is the longest dimension (RECIST's longest
diameter). A *reading* pairs the current size with the prior size the same phrase
states: "now 2.9 cm (previously 3.8 cm)", "from 3.8 to 2.9 cm", "3.8 -> 2.9 cm",
"2.9 cm, previously 3.8 cm", "2.9 cm (was 3.8 cm)", "previously 3.8 cm, now 2.9 cm".
A size read as the prior one is never a lesion's current size. An SUV ("SUVmax 12.4")
is kept apart from sizes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"\d+(?:\.\d+)?"
_UNIT = r"(?:mm|cm)\b"
_DIMS = rf"{_NUM}(?:\s*(?:x|×|by)\s*{_NUM}){{0,2}}"
_SIZE = re.compile(rf"(?<![\w.])({_DIMS})\s*({_UNIT})", re.IGNORECASE)
_RANGE = re.compile(
    rf"(?:from\s+)?(?<![\w.])({_DIMS})\s*({_UNIT})?\s*(?:->|→|=>|—>|to)\s*({_DIMS})\s*({_UNIT})",
    re.IGNORECASE)
_PRIOR_BEFORE = re.compile(
    r"(?:previously|prior(?:ly)?|was|were|formerly|before|compared (?:to|with)|vs\.?|versus|"
    r"from|(?:on|at) (?:the )?(?:prior|previous|last|baseline)(?: (?:study|exam|scan|ct|mri))?)"
    r"[\s:,(]*(?:measuring\s+|measured\s+|of\s+)?$", re.IGNORECASE)
_PRIOR_AFTER = re.compile(r"^[\s,;]*(?:\(\s*)?(?:previously|prior|on (?:the )?prior|at baseline|"
                          r"on \d{4}-\d{2}-\d{2})", re.IGNORECASE)
_SUV = re.compile(rf"SUV\s*(?:max)?\s*(?:of|:|=)?\s*(?:now\s+)?({_NUM})"
                  rf"(?:\s*(?:\(\s*(?:previously|prior|was)\s+({_NUM})\s*\)|"
                  rf"\s*(?:->|→|to)\s*({_NUM})))?", re.IGNORECASE)


@dataclass(frozen=True)
class Size:
    """One written size: its text as written, its span in the sentence, and mm."""

    text: str
    start: int
    end: int
    mm: float


@dataclass(frozen=True)
class Reading:
    """The sizes one phrase states: current and (where written) prior."""

    current: Size | None
    prior: Size | None

    @property
    def start(self) -> int:
        """First character of the phrase."""
        return min(s.start for s in (self.current, self.prior) if s is not None)

    @property
    def end(self) -> int:
        """One past the last character of the phrase."""
        return max(s.end for s in (self.current, self.prior) if s is not None)


def to_mm(dims: str, unit: str) -> float:
    """The longest dimension of ``dims`` ("2.1 x 1.4") in mm."""
    values = [float(v) for v in re.findall(_NUM, dims)]
    return max(values) * (10.0 if unit.lower() == "cm" else 1.0)


def _size(sentence: str, start: int, end: int, dims: str, unit: str) -> Size:
    return Size(sentence[start:end], start, end, round(to_mm(dims, unit), 1))


def readings(sentence: str) -> list[Reading]:
    """Every size of ``sentence`` as readings, in order of position."""
    out: list[Reading] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(sentence):
        unit_a = m.group(2) or m.group(4)
        first = _size(sentence, m.start(1), m.end(2) if m.group(2) else m.end(1), m.group(1), unit_a)
        second = _size(sentence, m.start(3), m.end(4), m.group(3), m.group(4))
        out.append(Reading(current=second, prior=first))
        taken.append((m.start(), m.end()))
    sizes = [m for m in _SIZE.finditer(sentence)
             if not any(a <= m.start() < b for a, b in taken)]
    index = 0
    while index < len(sizes):
        m = sizes[index]
        size = _size(sentence, m.start(), m.end(), m.group(1), m.group(2))
        before = sentence[max(0, m.start() - 40):m.start()]
        if _PRIOR_BEFORE.search(before):
            follower = sizes[index + 1] if index + 1 < len(sizes) else None
            if follower and re.fullmatch(r"[\s,;)]*(?:and\s+|,\s*)?(?:now|currently|today)\s+(?:measur\w+\s+)?",
                                         sentence[m.end():follower.start()], re.IGNORECASE):
                now = _size(sentence, follower.start(), follower.end(), follower.group(1),
                            follower.group(2))
                out.append(Reading(current=now, prior=size))
                index += 2
                continue
            if out and out[-1].prior is None and out[-1].current is not None \
                    and m.start() - out[-1].end < 30:
                out[-1] = Reading(current=out[-1].current, prior=size)
            else:
                out.append(Reading(current=None, prior=size))
            index += 1
            continue
        follower = sizes[index + 1] if index + 1 < len(sizes) else None
        gap = sentence[m.end():follower.start()] if follower else ""
        if follower and len(gap) < 30 and _PRIOR_AFTER.match(gap):
            prior = _size(sentence, follower.start(), follower.end(), follower.group(1),
                          follower.group(2))
            out.append(Reading(current=size, prior=prior))
            index += 2
            continue
        out.append(Reading(current=size, prior=None))
        index += 1
    return sorted(out, key=lambda r: r.start)


def suv_values(sentence: str) -> list[tuple[str, str | None]]:
    """``(current, prior)`` SUV values as written ("SUVmax 4.1 (previously 12.4)")."""
    out = []
    for m in _SUV.finditer(sentence):
        if m.group(3):
            out.append((m.group(3), m.group(1)))
        else:
            out.append((m.group(1), m.group(2)))
    return out
