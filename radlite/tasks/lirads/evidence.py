"""Evidence alignment: locate the span(s) of the report that support each value.

Runs after parsing, on the values the model chose. Size and segment values are matched
to their mentions (exact). Binary features are matched to cue phrases from
``cues.yaml``, preferring the occurrence nearest the index lesion's mention; a cue found
only approximately (a typo) is marked ``fuzzy``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from rapidfuzz import fuzz

from radlite.core.types import Evidence
from radlite.tasks.lirads import lesion
from radlite.tasks.lirads.observations import (
    segment_mentions,
    size_mentions,
)
from radlite.text.sentences import sentence_bounds

FUZZY_MIN_SCORE = 88.0
MIN_FUZZY_CUE = 6


@cache
def cues() -> dict[str, list[str]]:
    """Cue phrases per feature."""
    text = resources.files(__package__).joinpath("cues.yaml").read_text("utf-8")
    return {key: sorted(value, key=len, reverse=True) for key, value in yaml.safe_load(text).items()}


def _span(text: str, start: int, end: int, match: str = "exact") -> Evidence:
    return Evidence(start=start, end=end, text=text[start:end], match=match)  # type: ignore[arg-type]


def exact_hits(lower: str, phrases: list[str]) -> list[tuple[int, int]]:
    """Start/end of every occurrence of every phrase in the lower-cased text."""
    hits = []
    for phrase in phrases:
        start = lower.find(phrase)
        while start >= 0:
            hits.append((start, start + len(phrase)))
            start = lower.find(phrase, start + 1)
    return hits


def _fuzzy_hit(lower: str, phrases: list[str]) -> tuple[int, int] | None:
    best: tuple[float, int, int] | None = None
    for phrase in phrases:
        if len(phrase) < MIN_FUZZY_CUE:
            continue
        result = fuzz.partial_ratio_alignment(phrase, lower, score_cutoff=FUZZY_MIN_SCORE)
        if result is not None and (best is None or result.score > best[0]):
            best = (result.score, result.dest_start, result.dest_end)
    return None if best is None else (best[1], best[2])


def locate_cue(text: str, feature: str, anchor: int | None) -> Evidence | None:
    """The best span of a cue for ``feature``: nearest ``anchor`` when there are several."""
    lower = text.lower()
    phrases = cues().get(feature, [])
    hits = exact_hits(lower, phrases)
    if hits:
        if anchor is not None:
            hits.sort(key=lambda h: abs(h[0] - anchor))
        return _span(text, *hits[0])
    fuzzy = _fuzzy_hit(lower, phrases)
    return _span(text, *fuzzy, match="fuzzy") if fuzzy else None


def align(text: str, values: dict[str, int | None]) -> tuple[dict[str, list[Evidence]], dict]:
    """Evidence for every non-empty, non-zero value, and the index lesion's description.

    Returns:
        ``(evidence, index_lesion)`` where ``index_lesion`` has the index lesion's
        description (:func:`radlite.tasks.lirads.lesion.block`, else the sentence of its
        segment; ``text``, ``start``, ``end``) when it could be located.
    """
    evidence: dict[str, list[Evidence]] = {}
    anchor: int | None = None
    size = values.get("size")
    if size is not None:
        sizes = [m for m in size_mentions(text) if m.value == size]
        if sizes:
            evidence["size"] = [_span(text, sizes[0].start, sizes[0].end)]
            anchor = sizes[0].start
    location = values.get("location")
    if location is not None:
        segments = [m for m in segment_mentions(text) if m.value == location]
        if anchor is not None:
            segments.sort(key=lambda m: abs(m.start - anchor))
        if segments:
            evidence["location"] = [_span(text, segments[0].start, segments[0].end)]
            anchor = segments[0].start if anchor is None else anchor
    for feature, value in values.items():
        if feature in ("size", "location") or value != 1:
            continue
        span = locate_cue(text, feature, None if feature == "cld" else anchor)
        if span is not None:
            evidence[feature] = [span]
    index_lesion: dict = {}
    if anchor is not None:
        start, end = lesion.block(text, values) or sentence_bounds(text, anchor)
        index_lesion = {"text": text[start:end].strip(), "start": start, "end": end}
    return evidence, index_lesion
