"""Finding mentions in report text: concepts, negation scope, hedging and laterality.

Key term: a *mention*, one occurrence of a finding concept (``concepts.yaml``) in a
sentence, with a *status* -- ``asserted``, ``negated`` (a negation cue governs it) or
``hedged`` (an uncertainty cue such as "possibly" or "atelectasis or pneumonia") -- and
the side (left/right/bilateral) nearest to it in its clause. The status comes from
radlite's one NegEx engine (:mod:`radlite.text.negex`) with this task's cue overlay
``cues_impression.yaml``. Pure functions; the cue lists are data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from radlite.text.negex import certainty, load_cues_with
from radlite.text.sentences import split_items

Status = Literal["asserted", "negated", "hedged"]
_SIDE = re.compile(r"\b(left|right|bilateral|bilaterally|both|bibasilar|bibasal)\b")
_WORD = re.compile(r"\w+")
SIDE_WINDOW = 7


@dataclass(frozen=True)
class Mention:
    """One finding mention: concept, matched term, status, side and sentence index."""

    concept: str
    term: str
    status: Status
    side: str | None
    sentence: int
    start: int


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)


@cache
def concepts() -> dict[str, dict[str, Any]]:
    """Concept -> ``{"terms", "supported_by", "minor"}`` from ``concepts.yaml``."""
    out = {}
    for name, spec in _load("concepts.yaml").items():
        out[name] = {"terms": tuple(spec["terms"]),
                     "patterns": tuple(re.compile(p) for p in spec.get("patterns") or ()),
                     "support": tuple(re.compile(p) for p in spec.get("support_patterns") or ()),
                     "supported_by": tuple(spec.get("supported_by") or ()),
                     "minor": bool(spec.get("minor", False)),
                     "acute": bool(spec.get("acute", False))}
    return out


def _alternation(words: tuple[str, ...]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@cache
def _term_re() -> tuple[re.Pattern[str], dict[str, str]]:
    term_to_concept = {t: c for c, spec in concepts().items() for t in spec["terms"]}
    pattern = re.compile(rf"\b({_alternation(tuple(term_to_concept))})(?:e?s)?\b")
    return pattern, term_to_concept


def _words_between(text: str, a: int, b: int) -> int:
    return len(_WORD.findall(text[a:b]))


def _status(sentence: str, start: int, end: int) -> Status:
    """The shared NegEx engine with the impression overlay: negative -> negated, possible
    -> hedged, positive -> asserted."""
    found = certainty(sentence, start, end, load_cues_with(__package__, "cues_impression.yaml"))
    return {"negative": "negated", "possible": "hedged"}.get(found, "asserted")


def _side(low: str, start: int, end: int) -> str | None:
    clause_start = max(low.rfind(",", 0, start), low.rfind(";", 0, start)) + 1
    nxt = [i for i in (low.find(",", end), low.find(";", end), low.find(" and ", end)) if i >= 0]
    clause_end = min(nxt) if nxt else len(low)
    before = [m for m in _SIDE.finditer(low, clause_start, start)
              if _words_between(low, m.end(), start) <= SIDE_WINDOW]
    after = [m for m in _SIDE.finditer(low, end, clause_end)
             if _words_between(low, end, m.start()) <= SIDE_WINDOW]
    found = before[-1] if before else (after[0] if after else None)
    if found is None:
        return None
    word = found.group(1)
    return word if word in ("left", "right") else "bilateral"


def sentence_mentions(sentence: str, index: int = 0) -> list[Mention]:
    """Finding mentions in one sentence (case-insensitive)."""
    low = sentence.lower()
    pattern, term_to_concept = _term_re()
    hits = [(m.start(), m.end(), term_to_concept[re.sub(r"\s+", " ", m.group(1))])
            for m in pattern.finditer(low)]
    for concept, spec in concepts().items():
        for regex in spec["patterns"]:
            hits.extend((m.start(), m.end(), concept) for m in regex.finditer(low)
                        if not any(a <= m.start() < b for a, b, _ in hits))
    out = []
    for start, end, concept in sorted(hits):
        term = re.sub(r"\s+", " ", low[start:end])
        out.append(Mention(concept, term, _status(sentence, start, end), _side(low, start, end),
                           index, start))
    return out


def mentions(text: str) -> list[Mention]:
    """Finding mentions of every sentence of ``text``."""
    return [m for i, s in enumerate(split_items(text)) for m in sentence_mentions(s.text, i)]


_SIDE_ANCHOR = re.compile(r"\b(left|right)(?:[\s-]+(?:sided|side|and|of|the|to))*[\s-]+([a-z]+)")
_ANCHOR_NORMAL = {"basilar": "base", "basal": "base", "bases": "base",
                  "hilar": "hilum", "apical": "apex", "mid": "middle", "midlung": "middle"}


def side_anchors(text: str) -> set[tuple[str, str]]:
    """``(side, next word)`` pairs such as ``("left", "lower")`` or ``("right", "base")``."""
    return {(m.group(1), _ANCHOR_NORMAL.get(m.group(2), m.group(2)))
            for m in _SIDE_ANCHOR.finditer(text.lower())}


def sides_in(text: str) -> set[str]:
    """Side words (left/right/bilateral) anywhere in ``text``."""
    out = set()
    for m in _SIDE.finditer(text.lower()):
        out.add(m.group(1) if m.group(1) in ("left", "right") else "bilateral")
    return out
