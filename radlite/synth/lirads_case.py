"""Structured LI-RADS cases and their gold labels.

A *case* is the structured truth a report is rendered from: the exam, the chronic
liver disease status and a list of *observations* in report order, each with a kind
(``suspicious`` or a typical benign entity), a size, a location, *descriptors*
(imaging features, stated positive, hedged or negated) and an optional change
against a prior exam. Gold labels are derived from the case alone
(:func:`derive_labels`); the text is never parsed back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from radlite.schemas import lirads_binary_features, lirads_features
from radlite.synth.common import bank

POSITIVE = ("pos", "hedged")  # polarities that label 1


@dataclass
class Descriptor:
    """One imaging feature of an observation as the report states it."""

    key: str
    polarity: str  # pos | hedged | neg


@dataclass
class Change:
    """Change of an observation against a prior exam."""

    kind: str  # threshold | subthreshold | new | stable_long | stable_short | decreased
    months: int
    prior_mm: int | None = None


@dataclass
class Observation:
    """One liver observation at the current exam."""

    kind: str  # suspicious | cyst | hemangioma | focal_fat | ap_shunt
    size_mm: int | None
    minor_mm: int | None = None
    segments: list[int] = field(default_factory=list)
    lobe: str | None = None
    descriptors: list[Descriptor] = field(default_factory=list)
    change: Change | None = None
    category: str | None = None  # hcc | probable | lrm | tiv | indeterminate (suspicious only)

    @property
    def suspicious(self) -> bool:
        """True unless the observation is a typical benign entity."""
        return self.kind == "suspicious"


@dataclass
class LiradsCase:
    """Structured truth of one LI-RADS report."""

    modality: str  # ct | eca | eob
    lang: str
    voice: str
    cld: bool
    cld_source: str | None  # findings | history | both
    observations: list[Observation]
    prior_date: str | None = None
    exam_date: str | None = None
    intended_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form for the ``case`` field of JSONL output."""
        return asdict(self)


@cache
def descriptor_table() -> dict[str, dict[str, Any]]:
    """The descriptor -> labels table of ``data/lirads_descriptors.yaml``."""
    return bank("lirads_descriptors")["descriptors"]


@cache
def growth_table() -> dict[str, list[str]]:
    """The change kind -> labels table."""
    return bank("lirads_descriptors")["growth"]


def index_position(observations: list[Observation]) -> int | None:
    """Position of the index lesion: the largest suspicious observation.

    Ties and unsized observations resolve to the first in report order.

    Args:
        observations: observations in report order.

    Returns:
        Its position in ``observations``, or ``None`` when none is suspicious.
    """
    best: int | None = None
    for i, obs in enumerate(observations):
        if not obs.suspicious:
            continue
        if best is None:
            best = i
            continue
        cur = observations[best].size_mm
        if obs.size_mm is not None and (cur is None or obs.size_mm > cur):
            best = i
    return best


def derive_labels(case: LiradsCase) -> dict[str, Any]:
    """Gold labels of a case, in the spec's feature order.

    Args:
        case: the structured case.

    Returns:
        ``{feature: value}`` with size/location as int or ``None`` and 0/1 for the rest.
    """
    labels: dict[str, Any] = dict.fromkeys(lirads_features(), 0)
    labels["size"] = None
    labels["location"] = None
    labels["cld"] = int(case.cld)
    pos = index_position(case.observations)
    if pos is None:
        return labels
    index = case.observations[pos]
    labels["size"] = index.size_mm
    labels["location"] = index.segments[0] if index.segments else None
    for name in observation_flags(index):
        labels[name] = 1
    return labels


def observation_flags(obs: Observation) -> set[str]:
    """Binary features (other than ``cld``) that one observation's description sets.

    Args:
        obs: an observation.

    Returns:
        The names of the features that would be 1 if it were the index lesion.
    """
    table = descriptor_table()
    flags = {n for d in obs.descriptors if d.polarity in POSITIVE for n in table[d.key]["labels"]}
    if obs.change is not None:
        flags.update(growth_table()[obs.change.kind])
    return flags


def label_row(labels: dict[str, Any]) -> dict[str, str]:
    """Labels as CSV strings (empty for missing)."""
    return {k: "" if v is None else str(v) for k, v in labels.items()}


def binary_features() -> list[str]:
    """The 10 binary feature names."""
    return lirads_binary_features()
