"""The extractive draft: findings -> a first impression without a model.

Key term: a *positive sentence*, a findings sentence that asserts (or hedges) at least
one finding that is not minor (``minor`` in concepts.yaml: granulomas, degenerative
change, devices...). The draft condenses the positive sentences -- most important
first -- and, when there are none, states the site's normal impression (e.g. "No acute
cardiopulmonary abnormality."). Everything here is deterministic and model-free.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from radlite.tasks.impression.detect import normal_impression
from radlite.tasks.impression.lexicon import concepts, sentence_mentions
from radlite.text.sentences import split_items

_LEAD = re.compile(
    r"^(?:there\s+(?:is|are|has\s+been|have\s+been)\s+(?:again\s+)?(?:an?\s+|some\s+)?|"
    r"again\s+(?:seen|noted)\s+(?:is|are)\s+|redemonstration\s+of\s+(?:an?\s+|the\s+)?)",
    re.IGNORECASE)
_TAIL = re.compile(
    r"\s+(?:is|are)\s+(?:again\s+)?(?:seen|noted|present|identified|demonstrated|visualized|"
    r"redemonstrated)(?=[\s.,;]|$)", re.IGNORECASE)
_MASK = re.compile(r"\s*_{2,}\s*|\bXXXX\b\s*")
# Concepts a reader wants first (acute, actionable) get a lower rank number.
_PRIORITY = ("pneumothorax", "free_air", "hemorrhage", "dissection", "embolism", "mass",
             "consolidation", "pneumonia", "edema", "effusion", "nodule", "cardiomegaly",
             "atelectasis", "fracture")


@dataclass(frozen=True)
class DraftItem:
    """One condensed positive sentence, its rank and the findings sentence it came from."""

    text: str
    rank: int
    source: str
    minor: bool
    acute: bool


_CLAUSE = re.compile(r",\s+|\s+(?=without\b|with\s+no\b)|;\s+|\s+but\s+")


def _keep_clause(clause: str) -> bool:
    found = sentence_mentions(clause)
    return not found or any(m.status != "negated" for m in found)


def condense(sentence: str) -> str:
    """Shorten a findings sentence: drop negated clauses, "There is a", "is seen", masks."""
    clauses = _CLAUSE.split(_MASK.sub(" ", sentence).strip().rstrip("."))
    kept = [c for c in clauses if c.strip() and _keep_clause(c)]
    text = ", ".join(c.strip() for c in (kept or clauses))
    text = _LEAD.sub("", text)
    text = _TAIL.sub("", text)
    text = re.sub(r"\s+([,.;])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;")
    if not text.endswith((".", "!", "?")):
        text += "."
    return text[:1].upper() + text[1:]


def _rank(concept_names: list[str]) -> int:
    ranks = [_PRIORITY.index(c) for c in concept_names if c in _PRIORITY]
    return min(ranks) if ranks else len(_PRIORITY)


def positive_items(findings: str) -> list[DraftItem]:
    """Condensed sentences that assert or hedge a finding, most important first."""
    spec = concepts()
    items = []
    for order, sent in enumerate(split_items(findings)):
        found = [m for m in sentence_mentions(sent.text) if m.status != "negated"]
        if not found:
            continue
        names = [m.concept for m in found]
        minor = all(spec[c]["minor"] for c in names)
        acute = any(spec[m.concept]["acute"] for m in found if m.status == "asserted")
        items.append((_rank(names) * 100 + order,
                      DraftItem(condense(sent.text), _rank(names), sent.text, minor, acute)))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def extractive_draft(findings: str, body_site: str = "chest", max_items: int = 3,
                     include_minor: bool = False, normal: str | None = None,
                     keep: Callable[[DraftItem], bool] | None = None) -> str:
    """The draft impression of ``findings``.

    Args:
        findings: the findings text.
        body_site: used for the normal impression (see :func:`normal_impression`).
        max_items: at most this many positive sentences (the length control).
        include_minor: also list minor findings (granuloma, degenerative change...).
        normal: the normal statement to use instead of the site's built-in one.
        keep: which items go in (default: all), e.g. a department's habits.

    Returns:
        The normal impression when nothing significant is asserted; the normal
        impression followed by the non-acute positive sentences when no acute finding
        is asserted; else the condensed positive sentences, most important first.
    """
    normal = normal or normal_impression(body_site)
    items = [i for i in positive_items(findings) if (include_minor or not i.minor)
             and (keep is None or keep(i))]
    if not items:
        return normal
    body = " ".join(item.text for item in items[: max(1, max_items)])
    if any(item.acute for item in items):
        return body
    return normal + " " + body
