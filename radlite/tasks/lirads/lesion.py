"""The index lesion in the report text: its description block and a size/segment check.

The model returns the index lesion's size and segment. These helpers find where the
report describes that lesion and check the two values against the text:

- :func:`block`: the sentence holding the returned size and the sentences after it that
  still describe the same observation (up to the next list item, section header, blank
  line, new size or other segment). The pipeline steps in :mod:`.gate` read features
  there, not in the whole report, so another lesion's washout does not count.
- :func:`reindex`: a size the report does not contain is dropped, or corrected when the
  model gave centimetres (``12`` for "12 cm"); a larger suspicious observation than the
  returned one becomes the index lesion, as the spec defines it (the largest suspicious
  observation); a segment the report never names is dropped; the segment named in the
  index lesion's own sentence wins.

These are deterministic checks around the model; the model still decides everything the
text does not settle (which observations are suspicious, every feature).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from radlite.tasks.lirads.observations import (
    Mention,
    segment_mentions,
    size_mentions,
)
from radlite.text.patterns import load_patterns
from radlite.text.sentences import sentence_bounds

# Vocabulary (English and Korean) lives in patterns.yaml; only structure stays in code.
_WORDS = load_patterns(__package__, "patterns.yaml")["lesion"]
BENIGN, SUSPICION = _WORDS["benign"], _WORDS["suspicion"]
OBSERVATION, NOT_LIVER = _WORDS["observation"], _WORDS["not_liver"]
PRIOR_SIZE, NOT_LESION_SIZE = _WORDS["prior_size"], _WORDS["not_lesion_size"]
PRIOR_WORDS, LIST_ITEM, HEADER = _WORDS["prior_words"], _WORDS["list_item"], _WORDS["header"]
INTERVAL, NEW, GROWN_FROM = _WORDS["interval"], _WORDS["new"], _WORDS["grown_from"]
NO_NEW, ARROW = _WORDS["no_new"], _WORDS["arrow"]
THRESHOLD_GROWTH, SUBTHRESHOLD_GROWTH = _WORDS["threshold_growth"], _WORDS["subthreshold_growth"]
BLOCK_SENTENCES = 6
_NON_SPACE = re.compile(r"\S")


def index_sentence(text: str, values: dict[str, Any]) -> tuple[int, int] | None:
    """Bounds of the sentence holding the first mention of the returned size, if any."""
    if values.get("size") is None:
        return None
    mentions = [m for m in size_mentions(text) if m.value == values["size"]]
    return sentence_bounds(text, mentions[0].start) if mentions else None


def _following(text: str, position: int) -> Iterator[tuple[str, int, int]]:
    """(gap before, start, end) of each sentence after ``position``."""
    while position < len(text):
        match = _NON_SPACE.search(text, position)
        if match is None:
            return
        start, end = sentence_bounds(text, match.start())
        end = max(end, match.start() + 1)
        yield text[position:start], start, end
        position = end


def _ends_block(gap: str, sentence: str, location: int | None) -> bool:
    if re.search(r"\n\s*\n", gap):
        return True
    if "\n" in gap and (LIST_ITEM.match(sentence) or HEADER.match(sentence)):
        return True
    if size_mentions(sentence) and not PRIOR_WORDS.search(sentence):
        return True
    segments = {m.value for m in segment_mentions(sentence)}
    return bool(segments) and location is not None and location not in segments


def block(text: str, values: dict[str, Any]) -> tuple[int, int] | None:
    """Bounds of the index lesion's description: its size sentence and what follows."""
    return _block(text, values.get("size"), values.get("location"))


@lru_cache(maxsize=32)
def _block(text: str, size: int | None, location: int | None) -> tuple[int, int] | None:
    # cached: the gate steps and evidence alignment all read the same description
    first = index_sentence(text, {"size": size})
    if first is None:
        return None
    start, end = first
    for count, (gap, s_start, s_end) in enumerate(_following(text, end)):
        sentence = text[s_start:s_end]
        if count >= BLOCK_SENTENCES or _ends_block(gap, sentence, location):
            break
        end = s_end
    return start, end


def suspicious_sizes(text: str) -> list[Mention]:
    """Current sizes of liver observations that are not called typically benign.

    A size right after a vessel, duct, node, thrombus, liver span or spleen is not an
    observation's size, nor is a prior size ("previously 1.2 cm").
    """
    found = []
    for mention in size_mentions(text):
        s_start, s_end = sentence_bounds(text, mention.start)
        sentence = text[s_start:s_end]
        if not OBSERVATION.search(sentence) or NOT_LIVER.search(sentence):
            continue
        if BENIGN.search(sentence) and not SUSPICION.search(sentence):
            continue
        before = text[max(s_start, mention.start - 25):mention.start]
        if PRIOR_SIZE.search(before) or NOT_LESION_SIZE.search(before):
            continue
        found.append(mention)
    return found


def _first_segment(text: str, position: int) -> int | None:
    start, end = sentence_bounds(text, position)
    segments = segment_mentions(text[start:end])
    return segments[0].value if segments else None


def reindex(text: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Size and segment checked against the text; the names of the values changed."""
    out = dict(values)
    if out.get("size") is not None:
        sizes = {m.value for m in size_mentions(text)}
        suspicious = suspicious_sizes(text)
        if out["size"] not in sizes and out["size"] * 10 in {m.value for m in suspicious}:
            out["size"] *= 10  # the model answered in centimetres
        elif out["size"] not in sizes:
            out["size"] = out["location"] = None
        if suspicious and out["size"] is not None:
            largest = max(suspicious, key=lambda m: m.value)
            if largest.value > out["size"]:
                out["size"] = largest.value
                out["location"] = _first_segment(text, largest.start)
    if out.get("size") is not None:
        named = {m.value for m in segment_mentions(text)}
        if out.get("location") is not None and out["location"] not in named:
            out["location"] = None
        bounds = index_sentence(text, out)
        if bounds is not None:
            segment = _first_segment(text, bounds[0])
            out["location"] = segment if segment is not None else out["location"]
    return out, [k for k in ("size", "location") if out.get(k) != values.get(k)]


def interval_months(span: str) -> float | None:
    """The first time interval written in ``span`` ("4 months", "1년", "6주"), in months."""
    match = INTERVAL.search(span)
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    if unit.startswith(("y", "년")):
        return value * 12
    if unit.startswith(("w", "주")):
        return value / 4.3
    return value


def threshold_growth(text: str, bounds: tuple[int, int], size: int,
                     negated: Callable[[str, int, int], bool]) -> int | None:
    """Threshold growth of the index lesion from its description, or None if not stated.

    The spec's definition: a size increase of 50% or more in 6 months or less, or a new
    observation of 10 mm or more within 24 months. Computed when the description gives a
    prior size (or says "new") *and* an interval; "threshold growth" / "subthreshold
    growth" written out decide directly. Dates alone (no interval) are left to the model:
    the exam date is not in the text.
    """
    span = text[bounds[0]:bounds[1]]
    if SUBTHRESHOLD_GROWTH.search(span):
        return 0
    if any(not negated(text, bounds[0] + m.start(), bounds[0] + m.end())
           for m in THRESHOLD_GROWTH.finditer(span)):
        return 1
    months = interval_months(span)
    if months is None:
        return None
    for mention in size_mentions(span):
        if (GROWN_FROM.search(span[max(0, mention.start - 30):mention.start])
                or ARROW.match(span[mention.end:mention.end + 5])):
            return int(size >= 1.5 * mention.value and months <= 6)
    if any(not NO_NEW.search(span[max(0, m.start() - 30):m.start()])
           for m in NEW.finditer(span)):  # "not seen on the prior" must not negate "new"
        return int(size >= 10 and months <= 24)
    return None
