"""Longitudinal summaries of a patient's series of dated reports, without truncation.

Key term: the *tracker*, the running state of every lesion seen so far (name, size in
mm per date). The series is folded report by report, oldest first: each report's
lesions are compared with the tracker to write a change-focused impression, then the
tracker is updated. The summary is written from the tracker at the end, so a history
of any length is covered in full, never cut to fit a prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from radlite.text.sentences import split_items

_MM = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|cm)\b", re.IGNORECASE)
_NUM = re.compile(r"\d+(?:\.\d+)?")
_LEAD = re.compile(
    r"^(?:the\s+|a\s+|an\s+|baseline\s+|new\s+|enlarging\s+|growing\s+|stable\s+|smaller\s+|"
    r"decreasing\s+|increasing\s+|interval\s+(?:growth|decrease|increase|enlargement)\s+"
    r"(?:of|in)\s+|no\s+change\s+in\s+|previously\s+seen\s+|again\s+seen\s+|persistent\s+)+",
    re.IGNORECASE)
_CUT = re.compile(r",|\(|\s+(?:is|are|has|have|measures?|measuring|now|from|of\s+\d|at\s+\d|"
                  r"again|no\s+longer|unchanged|\d)", re.IGNORECASE)
_RESOLVED = re.compile(r"resolved|no longer (?:seen|visible|identified)|disappeared", re.I)
_NO_DISEASE = re.compile(r"no (?:measurable|evidence of (?:metastatic )?)disease|"
                         r"no (?:residual|recurrent) (?:tumou?r|disease)", re.I)
STABLE_MM = 2.0


@dataclass
class Lesion:
    """A tracked lesion: sizes in mm by date (None = not present / resolved)."""

    name: str
    sizes: dict[str, float | None] = field(default_factory=dict)


def lesion_name(sentence: str) -> str:
    """The lesion a sentence is about, without change words or sizes."""
    text = _LEAD.sub("", sentence.strip().rstrip("."))
    text = _CUT.split(text, maxsplit=1)[0]
    text = re.sub(r"\bpulmonary\s+", "", text.strip().lower())
    return re.sub(r"\s+", " ", text).strip(" .;")


def current_size(sentence: str) -> float | None:
    """The size the sentence reports for now (mm); "now X (previously Y)" gives X."""
    values = [float(v) * (10.0 if u.lower() == "cm" else 1.0) for v, u in _MM.findall(sentence)]
    arrows = re.search(r"(\d+(?:\.\d+)?)\s*(?:->|→|to)\s*(\d+(?:\.\d+)?)\s*(mm|cm)", sentence)
    if arrows:
        return float(arrows.group(2)) * (10.0 if arrows.group(3).lower() == "cm" else 1.0)
    if not values:
        return None
    return values[0] if re.search(r"previously|prior", sentence, re.I) else values[-1]


def _fmt(size: float | None) -> str:
    return "?" if size is None else f"{size:g} mm"


def change_phrase(name: str, prev: float | None, cur: float | None, first: bool) -> str:
    """One change-focused sentence for a lesion between two exams."""
    cap = name[:1].upper() + name[1:]
    if cur is None:
        return f"Interval resolution of the {name}."
    if first:
        return f"{cap}, {_fmt(cur)}."
    if prev is None:
        return f"New {name}, {_fmt(cur)}."
    if cur - prev >= STABLE_MM:
        return f"Enlarging {name}, now {_fmt(cur)} (previously {_fmt(prev)})."
    if prev - cur >= STABLE_MM:
        return f"Smaller {name}, now {_fmt(cur)} (previously {_fmt(prev)})."
    return f"Stable {name}, {_fmt(cur)}."


def _report_lesions(text: str) -> tuple[dict[str, float | None], bool]:
    found: dict[str, float | None] = {}
    for sent in split_items(text):
        if _NO_DISEASE.search(sent.text):
            continue
        name = lesion_name(sent.text)
        if not name or not re.search(r"[a-z]", name):
            continue
        found[name] = None if _RESOLVED.search(sent.text) else current_size(sent.text)
    return found, bool(_NO_DISEASE.search(text))


def _match(name: str, tracked: dict[str, Lesion]) -> str:
    if name in tracked:
        return name
    words = set(name.split())
    for key in tracked:
        other = set(key.split())
        if words and len(words & other) / len(words | other) >= 0.6:
            return key
    return name


def fold_series(reports: list[dict[str, Any]]) -> tuple[list[str], dict[str, Lesion], list[str]]:
    """Walk the series oldest first: per-report change impressions, tracker, dates."""
    ordered = sorted(reports, key=lambda r: str(r.get("date") or ""))
    tracked: dict[str, Lesion] = {}
    per_report, dates = [], []
    for index, report in enumerate(ordered):
        date = str(report.get("date") or f"exam {index + 1}")
        dates.append(date)
        text = str(report.get("impression") or report.get("findings") or "")
        found, no_disease = _report_lesions(text)
        lines = []
        for name, size in found.items():
            key = _match(name, tracked)
            lesion = tracked.setdefault(key, Lesion(key))
            prev = next((s for s in reversed(list(lesion.sizes.values()))), None)
            lines.append(change_phrase(key, prev, size, index == 0))
            lesion.sizes[date] = size
        for key, lesion in tracked.items():
            last = list(lesion.sizes.values())[-1] if lesion.sizes else None
            if date not in lesion.sizes and last is not None and no_disease:
                lesion.sizes[date] = None
                lines.append(change_phrase(key, last, None, False))
        per_report.append(" ".join(lines) or ("No measurable disease." if no_disease
                                              else "No change-relevant finding stated."))
    return per_report, tracked, dates
