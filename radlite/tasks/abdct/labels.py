"""From candidate findings to the wide-CSV labels of ../shared/specs/abdct-labels.md.

Per organ: a label group is 1 when a finding of one of its types is positive or
possible; urgency is the highest urgency of a present finding (adjacent excluded), 0
when the organ is only stated normal or of limited quality, empty when nothing is
present; ``any_abnormality`` is 1 when a present finding is of a type other than
normal, quality or adjacent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from radlite.schemas import load_schema
from radlite.tasks.abdct.propose import Candidate

PRESENT = ("positive", "possible")
NOT_ABNORMAL = ("normal", "quality", "adjacent")


def label_groups() -> dict[str, list[str]]:
    """Column suffix -> finding types that set it (from the schema)."""
    return dict(load_schema("abdct")["label_groups"])


def default_organs() -> list[str]:
    """The schema's default organ list."""
    return list(load_schema("abdct")["organs"])


def columns(organs: Sequence[str]) -> list[str]:
    """Wide-CSV value columns for ``organs`` (after ``id``)."""
    groups = list(label_groups())
    return [c for o in organs
            for c in [*(f"{o}_{g}" for g in groups), f"{o}_urgency", f"{o}_any_abnormality"]]


def gold_columns(organs: Sequence[str] | None = None) -> list[str]:
    """Columns a gold file must have to score ``organs`` (default all): the label columns
    ``<organ>_<group>`` organ-major, then ``<organ>_urgency``."""
    organs = list(organs or default_organs())
    groups = list(label_groups())
    return [f"{o}_{g}" for o in organs for g in groups] + [f"{o}_urgency" for o in organs]


def organ_values(organ: str, candidates: Iterable[Candidate]) -> dict[str, Any]:
    """Wide values of one organ from its candidates."""
    mine = [c for c in candidates if c.organ == organ]
    present = [c for c in mine if c.certainty in PRESENT]
    values: dict[str, Any] = {
        f"{organ}_{g}": int(any(c.type in types for c in present))
        for g, types in label_groups().items()
    }
    findings = [c.urgency for c in present if c.type not in NOT_ABNORMAL]
    if findings:
        urgency: int | None = max(findings)
    elif any(c.type in ("normal", "quality") for c in present):
        urgency = 0
    else:
        urgency = None
    values[f"{organ}_urgency"] = urgency
    values[f"{organ}_any_abnormality"] = int(bool(findings))
    return values


def wide_values(organs: Sequence[str], candidates: list[Candidate]) -> dict[str, Any]:
    """All wide values of a report."""
    out: dict[str, Any] = {}
    for organ in organs:
        out.update(organ_values(organ, candidates))
    return out
