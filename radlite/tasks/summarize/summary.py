"""The longitudinal summary: disease course with dates, current status and key sizes.

Key term: a lesion's *course* -- ``new``, ``resolved``, ``growing``, ``shrinking`` or
``stable`` -- from its first to its last measurement (2 mm threshold). The overall
status follows RECIST-like wording: progression when anything grew or appeared,
response when everything shrank or resolved, mixed when both, else stable.
"""

from __future__ import annotations

from typing import Any

from radlite.tasks.summarize.series import STABLE_MM, Lesion, fold_series


def course(lesion: Lesion, first_date: str) -> tuple[str, str]:
    """A lesion's course kind and one sentence describing it."""
    present = [(d, s) for d, s in lesion.sizes.items() if s is not None]
    dates = list(lesion.sizes)
    if not present:
        return "resolved", f"the {lesion.name} resolved by {dates[-1]}"
    (d0, s0), (d1, s1) = present[0], present[-1]
    if lesion.sizes[dates[-1]] is None:
        return "resolved", f"the {lesion.name} ({s0:g} mm on {d0}) resolved by {dates[-1]}"
    if d0 != first_date:
        return "new", f"a new {lesion.name} appeared on {d0} and measured {s1:g} mm on {d1}"
    if s1 - s0 >= STABLE_MM:
        return "growing", f"the {lesion.name} grew from {s0:g} mm ({d0}) to {s1:g} mm ({d1})"
    if s0 - s1 >= STABLE_MM:
        return "shrinking", f"the {lesion.name} decreased from {s0:g} mm ({d0}) to {s1:g} mm ({d1})"
    return "stable", f"the {lesion.name} remained stable at about {s1:g} mm from {d0} to {d1}"


def overall(kinds: set[str]) -> str:
    """Overall status from the lesions' course kinds."""
    worse, better = kinds & {"growing", "new"}, kinds & {"shrinking", "resolved"}
    if worse and better:
        return "mixed response"
    if worse:
        return "disease progression"
    if better:
        return "treatment response"
    return "stable disease"


def summarize_series(series: dict[str, Any]) -> dict[str, Any]:
    """Summarise one patient's series (the ``serial`` JSONL format of docs/architecture.md).

    Returns:
        ``{"patient_id", "per_report": [...], "summary": str, "status": str}``.
    """
    reports = list(series.get("reports") or [])
    per_report, tracked, dates = fold_series(reports)
    modality = next((str(r.get("modality")) for r in reports if r.get("modality")), "imaging")
    if not dates:
        return {"patient_id": series.get("patient_id"), "per_report": [], "summary": "",
                "status": "no reports"}
    courses = [course(lesion, dates[0]) for lesion in tracked.values() if lesion.sizes]
    status = overall({k for k, _ in courses}) if courses else "no measurable disease"
    head = f"{len(dates)} {modality} exams from {dates[0]} to {dates[-1]}"
    body = "; ".join(text for _, text in courses) or "no measurable lesion was reported"
    return {"patient_id": series.get("patient_id") or series.get("id"),
            "per_report": per_report,
            "summary": f"{head}: {body}. Overall: {status}.", "status": status}
