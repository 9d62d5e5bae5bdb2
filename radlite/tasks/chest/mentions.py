"""Concept mentions in chest X-ray reports.

A *mention* is one match of a concept's pattern (``concepts.yaml``) inside one sentence,
with the NegEx certainty of that match. Overlapping matches keep the longest (so
"pleural thickening" is not also "thickening"). Concepts and their mappings to CheXpert
and ChestX-ray14 are data; users may add patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from radlite.text.negex import Certainty, CueSet, certainty, load_cues
from radlite.text.sections import context_spans, in_spans
from radlite.text.sentences import Sentence, split_sentences


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept mention.

    Attributes:
        concept: concept name (a key of ``concepts.yaml``).
        sentence: the sentence it occurs in.
        start: offset in the report.
        end: offset one past its end in the report.
        certainty: ``positive``, ``possible`` or ``negative`` from the cue rules.
    """

    concept: str
    sentence: Sentence
    start: int
    end: int
    certainty: Certainty


@cache
def load_concepts() -> dict[str, dict[str, Any]]:
    """The shipped concept lexicon (read-only)."""
    text = resources.files(__package__).joinpath("concepts.yaml").read_text("utf-8")
    return yaml.safe_load(text)["concepts"]


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for name, spec in load_concepts().items():
        joined = "|".join(f"(?:{p})" for p in spec["patterns"])
        out.append((name, re.compile(rf"(?<![A-Za-z])(?:{joined})(?![A-Za-z])", re.IGNORECASE)))
    return tuple(out)


def _longest_first(hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for start, end, name in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, name))
    return sorted(kept)


def find_mentions(text: str, cues: CueSet | None = None) -> list[Mention]:
    """Every concept mention in ``text`` with its rule-based certainty.

    Args:
        text: the report, whole or findings and impression; sentences in its reason,
            comparison and technique sections (:mod:`radlite.text.sections`) are skipped:
            "Indication: r/o pneumonia" is no mention.
        cues: cue set (default: the shipped one).

    Returns:
        Mentions in text order.
    """
    cues = cues or load_cues()
    context = context_spans(text)
    out: list[Mention] = []
    for sent in split_sentences(text):
        if in_spans(sent.start, context):
            continue
        hits = [(m.start(), m.end(), name) for name, pattern in _patterns()
                for m in pattern.finditer(sent.text)]
        for start, end, name in _longest_first(hits):
            cert = certainty(sent.text, start, end, cues)
            out.append(Mention(name, sent, sent.start + start, sent.start + end, cert))
    return out
