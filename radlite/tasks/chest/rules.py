"""The rule-based baseline for chest X-ray labels (``--mode rules``).

A NegEx/negspacy-style labeller: concept trigger phrases (``concepts.yaml``) found in
each sentence, certainty from negation and uncertainty cue rules (``cues.yaml``), then
the CheXpert aggregation. No model is involved; this is the system the model-backed
modes are compared against.
"""

from __future__ import annotations

from typing import Any

from radlite.tasks.chest.labels import chestxray14_values, chexpert_values
from radlite.tasks.chest.mentions import Mention, find_mentions


def label_mentions(mentions: list[Mention], label_set: str) -> dict[str, Any]:
    """Label values of one report from its mentions.

    Args:
        mentions: the report's mentions (certainty already decided).
        label_set: ``chexpert`` or ``chestxray14``.
    """
    if label_set == "chestxray14":
        return dict(chestxray14_values(mentions))
    return dict(chexpert_values(mentions))


def label_report(text: str, label_set: str = "chexpert") -> dict[str, Any]:
    """Rule-based label values of one report text."""
    return label_mentions(find_mentions(text), label_set)
