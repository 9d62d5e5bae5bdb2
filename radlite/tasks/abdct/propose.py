"""Deterministic candidate findings: which sentences talk about which organ, and what.

A *candidate* is one finding-type phrase in one sentence, assigned to the organ whose
cue is nearest to it (or to the section's organs when the sentence names none), with
its rule-based certainty and urgency. Phrases nearer to a non-listed structure
("adrenal nodule", "ureteral stone") are dropped. Laterality: a kidney cue belongs to
the side named just before it, else to the side(s) named in the sentence or section,
else to both kidneys; when a phrase would go to both kidneys, a side word in its clause
picks the side ("Kidneys: right 1.5 cm angiomyolipoma; left normal"). Exam-title lines ("... protocol") are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from radlite.tasks.abdct.lexicon import Lexicon, load_lexicon, urgency_of
from radlite.tasks.abdct.negex import Certainty, certainty, load_cues
from radlite.tasks.abdct.text import Sentence, split_sentences

_TITLE = re.compile(r"\bprotocol\b", re.IGNORECASE)  # exam titles: "... RENAL MASS PROTOCOL"
_SIDE = re.compile(r"\b(right|left|bilateral(?:ly)?|both)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate finding.

    Attributes:
        organ: organ name.
        type: finding type (``findings.yaml``).
        certainty: ``positive``, ``possible`` or ``negative`` (rule-based).
        urgency: 0-3 (rule-based; meaningful when present).
        sentence: the sentence.
        start: start offset of the phrase inside the sentence.
        end: end offset inside the sentence.
    """

    organ: str
    type: str
    certainty: Certainty
    urgency: int
    sentence: Sentence
    start: int
    end: int


def _sides(text: str) -> set[str]:
    found = {m.group(1).lower() for m in _SIDE.finditer(text)}
    if found & {"bilateral", "bilaterally", "both"}:
        return {"right", "left"}
    return found & {"right", "left"}


def _organ_spans(lex: Lexicon, sent: Sentence) -> list[tuple[str, int, int]]:
    """``(organ, start, end)`` of every organ cue in the sentence, laterality resolved."""
    spans: list[tuple[str, int, int]] = []
    text = sent.text
    context = _sides(text) or _sides(sent.header)
    for organ in lex.organs:
        for m in organ.cues.finditer(text):
            if organ.side:
                before = _sides(text[max(0, m.start() - 25):m.end() + 12])
                plural = m.group(0).lower().endswith("kidneys")
                sides = before or ({"right", "left"} if plural else context or {"right", "left"})
                if organ.side not in sides:
                    continue
            spans.append((organ.name, m.start(), m.end()))
    return spans


def _clause_sides(text: str, start: int) -> set[str]:
    """Side words in the clause (between commas or semicolons) holding ``start``."""
    before = re.split(r"[,;]", text[:start])[-1]
    after = re.split(r"[,;]", text[start:])[0]
    return _sides(before + after)


def _header_organs(lex: Lexicon, header: str) -> list[str]:
    if not header:
        return []
    sides = _sides(header)
    out = []
    for organ in lex.organs:
        bowel = organ.name.endswith("bowel") and header in lex.bowel_headers
        if header in organ.headers or bowel:
            if organ.side and sides and organ.side not in sides:
                continue
            out.append(organ.name)
    return out


def _type_hits(lex: Lexicon, text: str) -> list[tuple[int, int, str]]:
    """Finding-type phrases, longest first where they overlap."""
    hits = [(m.start(), m.end(), t) for t, p in lex.types.items() for m in p.finditer(text)]
    kept: list[tuple[int, int, str]] = []
    for start, end, t in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, t))
    return sorted(kept)


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _owners(hit: tuple[int, int, str], organs: list[tuple[str, int, int]],
            others: list[tuple[int, int]], fallback: list[str]) -> list[str]:
    """Organs a phrase belongs to: the nearest organ cue(s), unless another structure is nearer."""
    span = (hit[0], hit[1])
    if not organs:
        near_other = min((_distance(span, o) for o in others), default=None)
        return [] if near_other is not None and near_other < 40 else fallback
    if hit[2] == "normal":
        return sorted({name for name, _, _ in organs})
    best = min(_distance(span, (s, e)) for _, s, e in organs)
    if any(_distance(span, o) < best for o in others):
        return []
    return sorted({name for name, s, e in organs if _distance(span, (s, e)) == best})


def propose(text: str, lexicon: Lexicon | None = None) -> list[Candidate]:
    """Candidate findings of a report.

    Args:
        text: the report.
        lexicon: compiled lexicons (default: the shipped ones, all organs).

    Returns:
        Candidates in text order.
    """
    lex = lexicon or load_lexicon()
    cues = load_cues()
    out: list[Candidate] = []
    for sent in split_sentences(text):
        organs = _organ_spans(lex, sent)
        others = [(m.start(), m.end()) for m in lex.others.finditer(sent.text)]
        fallback = _header_organs(lex, sent.header)
        if _TITLE.search(sent.text):
            continue
        for hit in _type_hits(lex, sent.text):
            owners = _owners(hit, organs, others, fallback)
            paired = {lex.side_of(o) for o in owners} >= {"right", "left"}
            if paired and (sides := _clause_sides(sent.text, hit[0])):
                owners = [o for o in owners if lex.side_of(o) in (None, *sides)]
            if not owners:
                continue
            cert = certainty(sent.text, hit[0], hit[1], cues)
            urgency = urgency_of(lex, hit[2], sent.text)
            out.extend(Candidate(o, hit[2], cert, urgency, sent, hit[0], hit[1]) for o in owners)
    return out
