"""Planted contradictions: the test set that measures the consistency gate.

Key term: a *plant*, a copy of a reference impression altered in one way the findings
contradict -- a negation flip, a left/right swap, or a changed size. Where the
reference impression has nothing to alter (e.g. "No acute abnormality." has no side),
the plant takes a findings sentence, alters it and appends it, which is how a drafting
model typically goes wrong. Unaltered copies measure false flags.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from radlite.tasks.impression.gate import Flag, check, measurements_mm
from radlite.tasks.impression.lexicon import mentions, sentence_mentions
from radlite.text.sentences import split_items

KINDS = ("negation", "laterality", "size")
_SIDE_SWAP = {"left": "right", "right": "left", "Left": "Right", "Right": "Left",
              "LEFT": "RIGHT", "RIGHT": "LEFT"}
_SIDE_RE = re.compile(r"\b(left|right|Left|Right|LEFT|RIGHT)\b")
_NUM_UNIT = re.compile(r"(\d+(?:\.\d+)?)(\s*(?:mm|cm)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Plant:
    """One altered (or unaltered, ``kind == "none"``) impression."""

    id: str
    kind: str
    findings: str
    impression: str
    original: str


def _append(impression: str, sentence: str) -> str:
    base = impression.rstrip()
    sep = "" if not base else (" " if base[-1] in ".;!?" else ". ")
    return f"{base}{sep}{sentence.strip()}"


def flip_negation(findings: str, impression: str, rng: random.Random) -> str | None:
    """Negate a finding both texts assert, or assert one the findings negate."""
    src = mentions(findings)
    asserted = {m.concept for m in src if m.status == "asserted"}
    for sent in split_items(impression):
        hits = [m for m in sentence_mentions(sent.text) if m.status == "asserted"
                and m.concept in asserted and not any(
                    s.concept == m.concept and s.status == "negated" for s in src)]
        if hits:
            return impression.replace(sent.text, f"No {hits[0].term}.", 1)
    negated_only = sorted({m.term for m in src if m.status == "negated"}
                          - {m.term for m in src if m.status != "negated"})
    concept_of = {m.term: m.concept for m in src}
    candidates = [t for t in negated_only
                  if not any(m.concept == concept_of[t] and m.status != "negated" for m in src)]
    if not candidates:
        return None
    term = rng.choice(candidates)
    return _append(impression, f"There is {'an' if term[0] in 'aeiou' else 'a'} {term}.")


def swap_sides(findings: str, impression: str, rng: random.Random) -> str | None:
    """Swap left and right in the impression, or append a side-swapped findings sentence."""
    if _SIDE_RE.search(impression):
        return _SIDE_RE.sub(lambda m: _SIDE_SWAP[m.group(1)], impression)
    options = [s.text for s in split_items(findings)
               if _SIDE_RE.search(s.text) and not re.search(r"\bbilateral", s.text, re.I)
               and any(m.status == "asserted" and m.side in ("left", "right")
                       for m in sentence_mentions(s.text))]
    if not options:
        return None
    return _append(impression, _SIDE_RE.sub(lambda m: _SIDE_SWAP[m.group(1)], rng.choice(options)))


def _new_size(value: str, rng: random.Random) -> str:
    number = float(value)
    factor = rng.choice([0.5, 0.6, 1.5, 1.8, 2.0])
    changed = number * factor
    if "." in value or changed < 1:
        return f"{changed:.1f}"
    return str(max(1, round(changed)) if round(changed) != round(number) else round(number) + 2)


def change_size(findings: str, impression: str, rng: random.Random) -> str | None:
    """Change a measurement in the impression, or append a findings sentence with one."""
    if _NUM_UNIT.search(impression):
        return _NUM_UNIT.sub(lambda m: _new_size(m.group(1), rng) + m.group(2), impression,
                             count=1)
    options = [s.text for s in split_items(findings) if measurements_mm(s.text)]
    if not options:
        return None
    sentence = _NUM_UNIT.sub(lambda m: _new_size(m.group(1), rng) + m.group(2),
                             rng.choice(options), count=1)
    return _append(impression, sentence)


PLANTERS = {"negation": flip_negation, "laterality": swap_sides, "size": change_size}


def plant_set(pairs: Iterable[tuple[str, str, str]], seed: int = 0) -> list[Plant]:
    """Unaltered copies plus every applicable plant of each ``(id, findings, impression)``."""
    rng = random.Random(seed)
    out = []
    for pair_id, findings, impression in pairs:
        out.append(Plant(pair_id, "none", findings, impression, impression))
        for kind, planter in PLANTERS.items():
            altered = planter(findings, impression, rng)
            if altered and altered != impression:
                out.append(Plant(pair_id, kind, findings, altered, impression))
    return out


def _new_flags(plant: Plant) -> list[Flag]:
    before = {(f.kind, f.item) for f in check(plant.findings, plant.original)}
    return [f for f in check(plant.findings, plant.impression) if (f.kind, f.item) not in before]


def gate_scores(plants: list[Plant]) -> dict[str, dict[str, float]]:
    """Detection rate per plant kind and the false-flag rate on unaltered copies.

    A plant is detected when the gate raises a flag on it that the unaltered reference
    did not raise. Returns ``{kind: {"n", "rate"}}`` with kinds, ``all`` and ``none``
    (whose rate is the false-flag rate).
    """
    hits: dict[str, list[bool]] = {}
    for plant in plants:
        hit = bool(check(plant.findings, plant.impression)) if plant.kind == "none" \
            else bool(_new_flags(plant))
        hits.setdefault(plant.kind, []).append(hit)
        if plant.kind != "none":
            hits.setdefault("all", []).append(hit)
    return {k: {"n": len(v), "rate": sum(v) / len(v)} for k, v in hits.items()}
