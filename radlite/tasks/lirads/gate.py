"""The evidence gate: a binary LI-RADS feature is 1 only when the report supports it.

The spec asks for evidence with every value. A small model sometimes answers 1 for a
feature the report never mentions (it has learned that cirrhosis or APHE are common),
or mentions only to negate ("no washout", "washout 없음"). The gate turns such values
to 0 and lists them in the record (``extra.unsupported``):

- *no cue*: none of the feature's cue phrases (``cues.yaml``) occurs, exactly or
  approximately, anywhere in the report;
- *only negated* (``negation=True``): every exact occurrence is negated, by the
  NegEx-style English cues shared with the abdct task or by a Korean negation right
  after the phrase (없-, 아니-, 않-, 음성).

A second check keeps the index lesion consistent with the spec (the largest
*suspicious* observation): when the lesion whose size the model returned is described,
in its sentence, as a typical benign entity (cyst, hemangioma, focal fat, shunt) with
no word of suspicion (HCC, LR-3/4/5/M, suspicious, malignant, metastasis, 의심, 간암)
and the model found no lesion feature, size and location become empty ("no suspicious
lesion").

The gate never turns a 0 into a 1 and never invents a size or segment. It is a pipeline
step around the model, not a rule labeller: it can only remove unsupported values.

:func:`complete` is the opposite, narrower step (``--cue-completion``): a feature the
model left at 0 becomes 1 when a non-negated cue for it stands in the sentence that
holds the index lesion's size, i.e. the sentence the model itself chose. Only the
features in :data:`COMPLETED` are completed (chosen on the development sets, see
docs/lirads.md); ancillary benign features and LR-M targetoid cues ("stable", "rim")
are too broad for it.
"""

from __future__ import annotations

import re
from typing import Any

from radlite.tasks.lirads.evidence import cues, exact_hits, locate_cue
from radlite.tasks.lirads.observations import sentence_bounds, size_mentions

BENIGN = re.compile(r"cysts?\b|hemangioma|haemangioma|낭종|혈관종|focal fat|fatty (?:infiltration|"
                    r"sparing)|a-?p shunt|arterioportal shunt|perfusion (?:anomaly|alteration)|"
                    r"동문맥 ?단락|\bthad\b", re.IGNORECASE)
SUSPICION = re.compile(r"suspicious|\bhcc\b|lr-?\s?[345m]\b|malignan|metasta|carcinoma|"
                       r"cholangio|의심|간암|간세포암", re.IGNORECASE)
KOREAN_NEGATION = re.compile(r"^[^.\n]{0,12}?(?:없|아니|않|음성|\(-\))")
GATED = ("cld", "lrm_targetoid", "lrm_nontargetoid", "tiv", "aphe", "washout", "capsule",
         "threshold_growth", "af_benign", "af_malignant")


COMPLETED = ("aphe", "washout", "lrm_nontargetoid", "af_malignant", "threshold_growth")


def negated(text: str, start: int, end: int) -> bool:
    """Whether the phrase ``text[start:end]`` is negated in its sentence."""
    from radlite.tasks.abdct.negex import certainty

    if KOREAN_NEGATION.match(text[end:end + 16]):
        return True
    s_start, s_end = sentence_bounds(text, start)
    return certainty(text[s_start:s_end], start - s_start, end - s_start) == "negative"


def supported(text: str, feature: str, negation: bool = True) -> bool:
    """Whether ``text`` holds a (non-negated) cue for ``feature``."""
    hits = exact_hits(text.lower(), cues().get(feature, []))
    if not hits:
        return locate_cue(text, feature, None) is not None  # approximate (typo) match
    return not negation or any(not negated(text, s, e) for s, e in hits)


def index_sentence(text: str, values: dict[str, Any]) -> tuple[int, int] | None:
    """Bounds of the sentence holding the first mention of the returned size, if any."""
    if values.get("size") is None:
        return None
    mentions = [m for m in size_mentions(text) if m.value == values["size"]]
    return sentence_bounds(text, mentions[0].start) if mentions else None


def complete(text: str, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Values with :data:`COMPLETED` features stated in the index sentence set to 1."""
    bounds = index_sentence(text, values)
    if bounds is None:
        return dict(values), []
    start, end = bounds
    lower = text[start:end].lower()
    out, added = dict(values), []
    for feature in COMPLETED:
        if out.get(feature) != 0:
            continue
        hits = exact_hits(lower, cues().get(feature, []))
        if any(not negated(text, start + s, start + e) for s, e in hits):
            out[feature] = 1
            added.append(feature)
    return out, added


def benign_index(text: str, values: dict[str, Any]) -> bool:
    """Whether the returned lesion is a typical benign entity with no lesion feature."""
    bounds = index_sentence(text, values)
    if bounds is None or any(values.get(f) == 1 for f in GATED if f != "cld"):
        return False
    sentence = text[bounds[0]:bounds[1]]
    return bool(BENIGN.search(sentence)) and not SUSPICION.search(sentence)


def apply(text: str, values: dict[str, Any], negation: bool = True
          ) -> tuple[dict[str, Any], list[str]]:
    """Values with unsupported ones removed, and the names of the features changed."""
    out = dict(values)
    dropped = [f for f in GATED if out.get(f) == 1 and not supported(text, f, negation)]
    for feature in dropped:
        out[feature] = 0
    if benign_index(text, out):
        dropped += [f for f in ("size", "location") if out.get(f) is not None]
        out["size"] = out["location"] = None
    return out, dropped
