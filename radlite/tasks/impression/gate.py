"""The consistency gate: checks a generated impression against its findings, no model.

Key term: a *flag*, one statement of the impression that the findings do not support,
listed with the offending impression sentence so that a radiologist sees it:

- ``negated``: the impression asserts a finding that the findings section negates;
- ``unsupported``: the impression asserts a finding the findings never mention
  (nor any concept that commonly supports it, see ``supported_by`` in concepts.yaml);
- ``dropped``: the impression negates a finding that the findings assert;
- ``laterality``: the impression puts a finding on a side the findings never give it;
- ``measurement``: a measurement (mm/cm, compared in mm) that is not in the findings.

Hedged mentions ("possibly pneumonia") are not checked for support, only for side.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass

from radlite.tasks.impression.lexicon import (
    Mention,
    concepts,
    mentions,
    side_anchors,
    sides_in,
)
from radlite.text.sentences import split_items

_NUM = r"\d+(?:\.\d+)?"
_MEAS = re.compile(rf"({_NUM}(?:\s*(?:x|×|by)\s*{_NUM})*)\s*(mm|cm|millimeters?|centimeters?)\b",
                   re.IGNORECASE)
FLAG_KINDS = ("negated", "unsupported", "dropped", "laterality", "measurement")


@dataclass(frozen=True)
class Flag:
    """One unsupported statement of an impression.

    Attributes:
        kind: one of :data:`FLAG_KINDS`.
        item: the finding concept or measurement concerned.
        sentence: the impression sentence that raised it.
        detail: a short reason a reader can check.
    """

    kind: str
    item: str
    sentence: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return asdict(self)


def measurements_mm(text: str) -> list[float]:
    """Every measured value in ``text`` converted to mm (``2.3 x 1.5 cm`` gives two)."""
    out = []
    for m in _MEAS.finditer(text):
        factor = 10.0 if m.group(2).lower().startswith("c") else 1.0
        out.extend(round(float(v) * factor, 2) for v in re.findall(_NUM, m.group(1)))
    return out


def _by_concept(found: list[Mention]) -> dict[str, list[Mention]]:
    out: dict[str, list[Mention]] = defaultdict(list)
    for m in found:
        out[m.concept].append(m)
    return out


def _supported(concept: str, src: dict[str, list[Mention]], text: str) -> bool:
    spec = concepts()[concept]
    keys = (concept, *spec["supported_by"])
    if any(m.status != "negated" for k in keys for m in src.get(k, ())):
        return True
    return any(p.search(text) for p in spec["support"])


def _mention_flags(m: Mention, sentence: str, src: dict[str, list[Mention]],
                   src_sides: set[str], text: str) -> list[Flag]:
    flags = []
    same = src.get(m.concept, [])
    if m.status == "asserted" and not _supported(m.concept, src, text):
        if same:
            flags.append(Flag("negated", m.concept, sentence,
                              f"the findings negate '{m.term}'"))
        else:
            flags.append(Flag("unsupported", m.concept, sentence,
                              f"'{m.term}' is not mentioned in the findings"))
    if m.status == "negated" and same and all(s.status == "asserted" for s in same):
        flags.append(Flag("dropped", m.concept, sentence,
                          f"the findings report '{same[0].term}'"))
    if m.side and m.status != "negated":
        sides = {s.side for s in same if s.side and s.status != "negated"}
        if sides and m.side not in sides and "bilateral" not in sides and m.side != "bilateral":
            flags.append(Flag("laterality", m.concept, sentence,
                              f"findings give '{m.term}' on the {'/'.join(sorted(sides))}"))
        elif not sides and m.side in ("left", "right") and src_sides and m.side not in src_sides:
            flags.append(Flag("laterality", m.concept, sentence,
                              f"the findings never mention the {m.side} side"))
    return flags


def _anchor_flags(sentence: str, src_anchors: set[tuple[str, str]]) -> list[Flag]:
    """Sides swapped on the same anatomy ("right lower lobe" where findings say left)."""
    flags = []
    for side, anchor in side_anchors(sentence):
        other = "right" if side == "left" else "left"
        if (other, anchor) in src_anchors and (side, anchor) not in src_anchors:
            flags.append(Flag("laterality", f"{side} {anchor}", sentence,
                              f"the findings say '{other} {anchor}'"))
    return flags


def check(findings: str, impression: str) -> list[Flag]:
    """Flags of ``impression`` against ``findings`` (an empty list means it passed).

    Args:
        findings: the findings section (optionally with indication/background).
        impression: the generated (or reference) impression.

    Returns:
        One flag per problem, in impression order, without duplicates.
    """
    src = _by_concept(mentions(findings))
    src_sides = sides_in(findings)
    src_anchors = side_anchors(findings)
    low = findings.lower()
    src_mm = measurements_mm(findings)
    flags: list[Flag] = []
    for sent in split_items(impression):
        for m in mentions(sent.text):
            flags.extend(_mention_flags(m, sent.text, src, src_sides, low))
        flags.extend(_anchor_flags(sent.text, src_anchors))
        for value in measurements_mm(sent.text):
            if not any(abs(value - v) < 0.05 for v in src_mm):
                flags.append(Flag("measurement", f"{value:g} mm", sent.text,
                                  f"{value:g} mm does not appear in the findings"))
    unique: dict[tuple[str, str, str], Flag] = {}
    for flag in flags:
        unique.setdefault((flag.kind, flag.item, flag.sentence), flag)
    return list(unique.values())


def supported_sentences(findings: str, text: str) -> tuple[list[str], list[Flag]]:
    """Split ``text`` into the sentences the gate passes and the flags of the others."""
    kept, dropped = [], []
    for sent in split_items(text):
        flags = check(findings, sent.text)
        if flags:
            dropped.extend(flags)
        else:
            kept.append(sent.text)
    return kept, dropped
