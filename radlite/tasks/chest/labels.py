"""From mentions to label values: CheXpert (1/0/-1/blank) and ChestX-ray14 (1/0).

CheXpert aggregation follows the CheXpert labeler: an observation is 1 when any of its
mentions is positive, else -1 when any is uncertain, else 0 when any is negated, else
blank; ``No Finding`` is 1 when no observation other than Support Devices is 1 or -1.
ChestX-ray14 (the documented mapping, ``concepts.yaml`` -> ``cxr14``): a label is 1
when a mapped concept is mentioned positive (or possible, when ``possible_counts``);
``normal`` is 1 when no concept other than devices is positive or possible.
"""

from __future__ import annotations

from collections.abc import Iterable

from radlite.schemas import load_schema
from radlite.tasks.chest.mentions import Mention, load_concepts

_RANK = {"positive": 3, "possible": 2, "negative": 1}
_CHEXPERT_VALUE = {"positive": 1, "possible": -1, "negative": 0}
NOT_ABNORMAL = ("device",)


def chexpert_observations() -> list[str]:
    """The 14 CheXpert observations in the labeler's column order."""
    return list(load_schema("chexpert")["observations"])


def chestxray14_labels() -> list[str]:
    """The 15 ChestX-ray14 labels (Open-i gold names) including ``normal``."""
    return list(load_schema("chestxray14")["labels"])


def chexpert_values(mentions: Iterable[Mention]) -> dict[str, int | None]:
    """CheXpert values for one report."""
    concepts = load_concepts()
    best: dict[str, str] = {}
    for m in mentions:
        obs = concepts[m.concept].get("chexpert")
        if obs and _RANK[m.certainty] > _RANK.get(best.get(obs, ""), 0):
            best[obs] = m.certainty
    values: dict[str, int | None] = {o: None for o in chexpert_observations()}
    for obs, cert in best.items():
        values[obs] = _CHEXPERT_VALUE[cert]
    found = any(values[o] in (1, -1) for o in values if o not in ("No Finding", "Support Devices"))
    values["No Finding"] = None if found else 1
    return values


def chestxray14_values(mentions: Iterable[Mention], possible_counts: bool = False
                       ) -> dict[str, int]:
    """ChestX-ray14 values (1/0) for one report."""
    concepts = load_concepts()
    present = {"positive", "possible"} if possible_counts else {"positive"}
    values = {label: 0 for label in chestxray14_labels()}
    abnormal = False
    for m in mentions:
        if m.certainty not in present:
            continue
        for label in concepts[m.concept].get("cxr14") or []:
            values[label] = 1
        abnormal = abnormal or m.concept not in NOT_ABNORMAL
    values["normal"] = int(not abnormal)
    return values
