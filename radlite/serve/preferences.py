"""Impression edits as preference pairs: the review side of a drafting task's job.

Key terms: a *drafting job* is a job whose task is of kind ``impress`` (the ``impression``
task): its records hold the drafted text in the value :data:`TEXT_VALUE`. The reviewer
edits the draft on the review page; each save appends a *preference pair* to the job's
review database (:meth:`~radlite.serve.review_store.ReviewStore.add_preference`):
``chosen`` = the reviewer's text, ``rejected`` = the model's draft. A save that leaves the
draft as it was is an accept (``chosen == rejected``, ``accepted: true``). The export
(:func:`preferences_jsonl`) gives one JSON line per (report, reviewer) with the text the
task drafted from (the job's report text, i.e. the findings) as ``prompt``. Each save is
also recorded as the report's reviewed values (the text as ``impression``, the other
values as the model gave them), so the gold-label CSV and "Train on these reviews" read
the reviewer's impression.
"""

from __future__ import annotations

import json
from typing import Any

from radlite.core.errors import ConfigError
from radlite.pipeline.store import JobStore
from radlite.serve.errors import ApiError
from radlite.serve.review import model_record
from radlite.serve.review_store import ReviewStore
from radlite.tasks import Task, registry

TEXT_VALUE = "impression"
DRAFTING_KIND = "impress"


def is_drafting(task: Task) -> bool:
    """True when ``task`` drafts text that reviewers edit (kind ``impress``)."""
    try:
        return registry.task_spec(task.name).kind == DRAFTING_KIND
    except ConfigError:
        return False


def draft_of(store: JobStore, report_id: str) -> str | None:
    """The model's drafted text of a report; None while pending, failed or empty."""
    record = model_record(store, report_id)
    if record is None or record.status != "ok":
        return None
    text = record.values.get(TEXT_VALUE)
    return str(text) if text not in (None, "") else None


def add_to_view(view: dict[str, Any], store: JobStore, review: ReviewStore) -> dict[str, Any]:
    """Add ``impression`` (``draft`` and the latest ``preferences`` per reviewer) to a report
    view of a drafting job; its ``review_state`` is ``reviewed`` once anyone saved one."""
    preferences = review.preferences(view["id"])
    view["impression"] = {"draft": draft_of(store, view["id"]), "preferences": preferences}
    view["review_state"] = "reviewed" if preferences else "unreviewed"
    return view


def adjust_summaries(summaries: list[dict[str, Any]], review: ReviewStore) -> None:
    """Review state of each report of a drafting job from its preferences (``corrected``:
    reviewers whose latest text differs from the draft)."""
    by_report: dict[str, list[dict[str, Any]]] = {}
    for pref in review.preferences():
        by_report.setdefault(pref["report_id"], []).append(pref)
    for summary in summaries:
        prefs = by_report.get(summary["id"], [])
        summary["review_state"] = "reviewed" if prefs else "unreviewed"
        summary["corrected"] = sum(1 for p in prefs if not p["accepted"])


def save_edit(task: Task, store: JobStore, review: ReviewStore, report_id: str,
              reviewer: str, text: str) -> float:
    """Store the reviewer's impression for a report as a preference over the draft.

    Line endings become ``\\n``; a text equal to the draft but for surrounding blanks is
    stored as the draft itself (an accept). The text is also appended as the report's
    reviewed ``impression`` (its other values accepted). Returns the timestamp.

    Raises:
        ApiError: 422 not a drafting job or an empty text, 404 unknown report, 409 the
            model has no draft (yet) for the report.
    """
    if not is_drafting(task):
        raise ApiError(422, "invalid_request", f"task {task.name!r} drafts no text; only "
                                               "impression jobs take impression edits")
    if review.text(report_id) is None:
        raise ApiError(404, "not_found", f"no report {report_id!r} in this job")
    record = model_record(store, report_id)
    if record is None:
        raise ApiError(409, "not_ready", f"report {report_id!r} has not been drafted yet")
    draft = draft_of(store, report_id)
    if draft is None:
        raise ApiError(409, "not_ready", f"report {report_id!r} has no draft to edit "
                                         f"(model status: {record.status})")
    chosen = text.replace("\r\n", "\n").replace("\r", "\n")
    if not chosen.strip():
        raise ApiError(422, "invalid_value", "the impression is empty")
    if chosen.strip() == draft.strip():
        chosen = draft
    at = review.add_preference(report_id, reviewer, chosen, draft)
    # the same decision as reviewed values, so that the gold-label export and the learn
    # cycle (which read value reviews) see the reviewer's text as the report's impression
    decisions = {column: (record.values.get(column), record.values.get(column))
                 for column in task.columns()}
    decisions[TEXT_VALUE] = (chosen, draft)
    review.add_reviews(report_id, reviewer, decisions)
    return at


def preferences_jsonl(review: ReviewStore) -> str:
    """One JSON line per (report, reviewer): ``id, prompt, chosen, rejected, reviewer, at``
    (and ``accepted``), in report order; ``prompt`` is the report text the task drafted from."""
    texts = dict(review.texts())
    lines = []
    for pref in review.preferences():
        lines.append(json.dumps({
            "id": pref["report_id"], "prompt": texts.get(pref["report_id"], ""),
            "chosen": pref["chosen"], "rejected": pref["rejected"],
            "reviewer": pref["reviewer"], "at": pref["at"], "accepted": pref["accepted"],
        }, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
