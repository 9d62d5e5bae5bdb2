"""Modality and body-site detection from report text, with site-specific wording.

Key term: an *exam*, the pair (modality, body site) -- e.g. ``("XR", "chest")``. It is
taken from the input row when given and otherwise detected from cue words
(``sites.yaml``); the prompt names it and the normal impression depends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Exam:
    """Modality (``XR``, ``CT``, ``MRI``, ``US``) and body site (``chest``, ``head``...)."""

    modality: str
    body_site: str
    detected: bool = True

    def label(self) -> str:
        """Human wording, e.g. "chest radiograph" or "CT of the abdomen"."""
        names = _data()["modality_names"]
        return names.get(self.modality, self.modality) + " of the " + self.body_site


@cache
def _data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("sites.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _best(cue_table: dict[str, list[str]], text: str, default: str) -> str:
    scores = {}
    for name, cue_words in cue_table.items():
        scores[name] = sum(len(re.findall(rf"\b{re.escape(c)}", text)) for c in cue_words)
    best = max(scores, key=lambda k: scores[k]) if scores else default
    return best if scores.get(best, 0) > 0 else default


def _normalise(value: str, table: dict[str, list[str]]) -> str | None:
    low = value.strip().lower()
    for name, aliases in table.items():
        if low == name.lower() or low in aliases:
            return name
    return None


def detect_exam(text: str, modality: str | None = None, body_site: str | None = None) -> Exam:
    """The exam of a report: given values win (normalised), cue words fill the rest."""
    data = _data()
    low = text.lower()
    mod = _normalise(modality, data["modality_aliases"]) if modality else None
    site = _normalise(body_site, data["site_aliases"]) if body_site else None
    detected = mod is None or site is None
    if site is None:
        site = _best(data["site_cues"], low, data["default_site"])
    if mod is None:
        mod = _best(data["modality_cues"], low, data["default_modality"])
    return Exam(mod, site, detected)


def normal_impression(body_site: str) -> str:
    """The impression for a study with no significant finding at ``body_site``."""
    table = _data()["normal_impression"]
    return table.get(body_site, table["default"])
