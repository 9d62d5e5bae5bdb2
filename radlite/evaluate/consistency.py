"""A built-in factual-consistency check between a source text and generated text.

Needs no model weights. Key term: an *inconsistency flag*, one of

- ``negation``: a finding asserted in the output that the source negates, or
  negated in the output while the source asserts it (e.g. source "no
  pneumothorax", output "small pneumothorax");
- ``laterality``: the output puts a finding on a side that the source never
  gives it, while the source gives it the other side;
- ``measurement``: a measurement in the output (mm/cm, compared in mm) that
  appears nowhere in the source.

Findings come from ``data/findings.txt``; negation is a NegEx-style cue
("no", "without", "negative for", ...) earlier in the same sentence. It is a
screen, not a verdict: it catches blunt contradictions cheaply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NEG = re.compile(
    r"\b(no|not|without|negative for|free of|absence of|absent|resolved|ruled out|"
    r"no evidence of|no signs? of|clear of)\b"
)
_SENT = re.compile(r"(?<=[.;:!?\n])\s+|\n+")
_MEAS = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|cm)\b")
_SIDE = re.compile(r"\b(left|right|bilateral)\b")


@dataclass(frozen=True)
class Flag:
    """One inconsistency: its kind and the finding or measurement involved."""

    kind: str
    item: str


@cache
def finding_terms() -> tuple[str, ...]:
    """Finding terms, longest first."""
    text = resources.files("radlite.evaluate").joinpath("data/findings.txt").read_text("utf-8")
    terms = [t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#")]
    return tuple(sorted(set(terms), key=len, reverse=True))


def mentions(text: str) -> dict[str, list[tuple[bool, str | None]]]:
    """Finding -> list of (negated, side) for every mention in ``text``."""
    out: dict[str, list[tuple[bool, str | None]]] = {}
    for sentence in _SENT.split(text.lower()):
        taken: list[tuple[int, int]] = []
        for term in finding_terms():
            for m in re.finditer(rf"\b{re.escape(term)}s?\b", sentence):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                before = sentence[: m.start()]
                negated = bool(_NEG.search(before))
                sides = _SIDE.findall(sentence)
                out.setdefault(term, []).append((negated, sides[-1] if sides else None))
    return out


def measurements_mm(text: str) -> set[float]:
    """All measurements in ``text`` converted to mm (rounded to 0.1)."""
    return {round(float(v) * (10 if unit == "cm" else 1), 1) for v, unit in _MEAS.findall(text.lower())}


def check(source: str, output: str) -> list[Flag]:
    """Inconsistency flags of ``output`` against ``source`` (empty list = consistent)."""
    src, out = mentions(source), mentions(output)
    flags = []
    for term, found in out.items():
        if term not in src:
            continue
        src_neg = {neg for neg, _ in src[term]}
        if len(src_neg) == 1 and any(neg not in src_neg for neg, _ in found):
            flags.append(Flag("negation", term))
        src_sides = {s for _, s in src[term] if s}
        out_sides = {s for _, s in found if s}
        if src_sides and out_sides - src_sides and "bilateral" not in src_sides:
            flags.append(Flag("laterality", term))
    for value in sorted(measurements_mm(output) - measurements_mm(source)):
        flags.append(Flag("measurement", f"{value:g} mm"))
    return flags


def consistency_rate(sources: list[str], outputs: list[str]) -> list[float]:
    """Per item 1.0 when no flag is raised, else 0.0."""
    return [0.0 if check(s, o) else 1.0 for s, o in zip(sources, outputs, strict=True)]
