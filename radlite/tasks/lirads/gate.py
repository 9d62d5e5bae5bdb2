"""Pipeline steps around the model: a LI-RADS value must agree with the report text.

The spec asks for evidence with every value. A small model sometimes answers 1 for a
feature the report never mentions (it has learned that cirrhosis or APHE are common),
or mentions only to negate ("no washout", "washout 없음"), or reads another lesion.
:func:`run` applies five steps, each listed in the record's ``extra``:

1. :func:`apply` (report level, ``extra.unsupported``): a 1 becomes 0 when none of the
   feature's cue phrases (``cues.yaml``) occurs, exactly or approximately, or when every
   exact occurrence is negated (NegEx-style English cues shared with the abdct task, a
   Korean negation right after the phrase, "non-" before it, "(-)" after it). When the
   returned lesion is, in its sentence, a typical benign entity (cyst, hemangioma, focal
   fat, shunt) with no word of suspicion and no lesion feature, size and location become
   empty ("no suspicious lesion").
2. :func:`radlite.tasks.lirads.lesion.reindex` (``extra.reindexed``): the size and
   segment are checked against the text (see that module).
3. :func:`lesion_gate` (``extra.unsupported``): a lesion feature the index lesion's own
   description (:func:`radlite.tasks.lirads.lesion.block`) mentions only negated becomes
   0; "rim APHE" and "peripheral washout" are LR-M targetoid cues, not APHE or washout.
4. :func:`complete` (``extra.completed``, ``--cue-completion``): a feature of
   :data:`COMPLETED` left at 0 becomes 1 when a non-negated cue for it stands in the
   index lesion's description; benign ancillary features (HBP isointensity, size
   reduction, stability for 2 years or more, marked T2 hyperintensity) by their own
   patterns.
5. :func:`growth_check` (with completion): threshold growth computed from the prior size
   (or "new") and the interval the description states (the spec's 50% in 6 months or
   less; new and 10 mm or more within 24 months); it can also turn a 1 into a 0
   (``extra.unsupported``), e.g. growth over 10 months.

Steps 1-3 never turn a 0 into a 1; no step invents a size or a segment the report does
not state. The steps and their order were chosen on the development sets
(docs/lirads.md).
"""

from __future__ import annotations

import re
from typing import Any

from radlite.tasks.lirads import lesion
from radlite.tasks.lirads.evidence import cues, exact_hits, locate_cue
from radlite.tasks.lirads.lesion import BENIGN, SUSPICION, index_sentence
from radlite.text.patterns import load_patterns
from radlite.text.sentences import sentence_bounds

VERSION = "3"  # in the job fingerprint: a job never resumes across a change of these steps
_WORDS = load_patterns(__package__, "patterns.yaml")["gate"]  # vocabulary: patterns.yaml
KOREAN_NEGATION, DASH_NEGATION = _WORDS["korean_negation"], _WORDS["dash_negation"]
NEGATING_PREFIX, RIM = _WORDS["negating_prefix"], _WORDS["rim"]
GATED = ("cld", "lrm_targetoid", "lrm_nontargetoid", "tiv", "aphe", "washout", "capsule",
         "threshold_growth", "af_benign", "af_malignant")
LESION_FEATURES = GATED[1:]
COMPLETED = ("aphe", "washout", "lrm_nontargetoid", "lrm_targetoid", "capsule", "tiv",
             "af_malignant", "threshold_growth")
AF_BENIGN: list[re.Pattern[str]] = _WORDS["af_benign"]
STABLE, TWO_YEARS = _WORDS["stable"], _WORDS["two_years"]


def negated(text: str, start: int, end: int) -> bool:
    """Whether the phrase ``text[start:end]`` is negated (or not the feature) in context."""
    from radlite.text.negex import certainty

    after, before = text[end:end + 16], text[max(0, start - 16):start]
    if KOREAN_NEGATION.match(after) or DASH_NEGATION.match(after):
        return True
    if after.startswith("하") or NEGATING_PREFIX.search(before):  # 피막하: subcapsular
        return True
    s_start, s_end = sentence_bounds(text, start)
    return certainty(text[s_start:s_end], start - s_start, end - s_start) == "negative"


def supported(text: str, feature: str, negation: bool = True) -> bool:
    """Whether ``text`` holds a (non-negated) cue for ``feature``."""
    hits = exact_hits(text.lower(), cues().get(feature, []))
    if not hits:
        return locate_cue(text, feature, None) is not None  # approximate (typo) match
    return not negation or any(not negated(text, s, e) for s, e in hits)


def _cue_hits(text: str, start: int, end: int, feature: str) -> tuple[int, int]:
    """(all, affirmed) cue occurrences for ``feature`` in ``text[start:end]``.

    Affirmed: not negated, and for APHE and washout not qualified as rim/peripheral
    (those are LR-M targetoid features).
    """
    lower = text[start:end].lower()
    hits = exact_hits(lower, cues().get(feature, []))
    affirmed = 0
    for s, e in hits:
        if negated(text, start + s, start + e):
            continue
        if feature in ("aphe", "washout") and (RIM.search(lower[max(0, s - 16):s])
                                               or lower[s:e].startswith("rim")):
            continue
        affirmed += 1
    return len(hits), affirmed


def apply(text: str, values: dict[str, Any], negation: bool = True
          ) -> tuple[dict[str, Any], list[str]]:
    """Report-level gate: values with unsupported ones removed, and their names."""
    out = dict(values)
    dropped = [f for f in GATED if out.get(f) == 1 and not supported(text, f, negation)]
    for feature in dropped:
        out[feature] = 0
    if benign_index(text, out):
        dropped += [f for f in ("size", "location") if out.get(f) is not None]
        out["size"] = out["location"] = None
    return out, dropped


def benign_index(text: str, values: dict[str, Any]) -> bool:
    """Whether the returned lesion is a typical benign entity with no lesion feature."""
    bounds = index_sentence(text, values)
    if bounds is None or any(values.get(f) == 1 for f in LESION_FEATURES):
        return False
    sentence = text[bounds[0]:bounds[1]]
    return bool(BENIGN.search(sentence)) and not SUSPICION.search(sentence)


def lesion_gate(text: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A lesion feature its own description mentions only negated (or as rim) becomes 0."""
    bounds = lesion.block(text, values)
    if bounds is None:
        return dict(values), []
    out, dropped = dict(values), []
    for feature in LESION_FEATURES:
        if out.get(feature) == 1:
            found, affirmed = _cue_hits(text, *bounds, feature)
            if found and not affirmed:
                out[feature] = 0
                dropped.append(feature)
    return out, dropped


def af_benign_stated(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` states a benign ancillary feature, not negated."""
    span = text[start:end]
    for pattern in AF_BENIGN:
        if any(not negated(text, start + m.start(), start + m.end())
               for m in pattern.finditer(span)):
            return True
    for match in STABLE.finditer(span):
        s_start, s_end = sentence_bounds(text, start + match.start())
        if TWO_YEARS.search(text[s_start:s_end]) and not negated(
                text, start + match.start(), start + match.end()):
            return True
    return False


def complete(text: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Features left at 0 that the index lesion's description states, set to 1."""
    bounds = lesion.block(text, values)
    if bounds is None:
        return dict(values), []
    out, added = dict(values), []
    for feature in COMPLETED:
        if out.get(feature) == 0 and _cue_hits(text, *bounds, feature)[1]:
            out[feature] = 1
            added.append(feature)
    if out.get("af_benign") == 0 and af_benign_stated(text, *bounds):
        out["af_benign"] = 1
        added.append("af_benign")
    return out, added


def run(text: str, values: dict[str, Any], evidence_gate: bool = True,
        cue_completion: bool = True) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """All pipeline steps in order; what each changed, keyed as in ``Record.extra``."""
    changes: dict[str, list[str]] = {}
    if evidence_gate:
        values, dropped = apply(text, values)
        values, moved = lesion.reindex(text, values)
        values, negated_here = lesion_gate(text, values)
        changes = {"unsupported": dropped + negated_here, "reindexed": moved}
    if cue_completion:
        values, changes["completed"] = complete(text, values)
        values, change = growth_check(text, values)
        if change:
            key = "completed" if values["threshold_growth"] == 1 else "unsupported"
            changes.setdefault(key, []).append("threshold_growth")
    return values, {key: names for key, names in changes.items() if names}


def growth_check(text: str, values: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Threshold growth computed from the stated sizes and interval, when both are there."""
    bounds = lesion.block(text, values)
    if bounds is None:
        return dict(values), False
    growth = lesion.threshold_growth(text, bounds, values["size"], negated)
    if growth is None or growth == values.get("threshold_growth"):
        return dict(values), False
    return {**values, "threshold_growth": growth}, True
