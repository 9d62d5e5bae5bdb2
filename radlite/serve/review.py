"""Review views and the gold-label export of one job.

Key terms: a report's *review state* is ``unreviewed`` (no value decided yet),
``partial`` or ``reviewed`` (every value accepted or corrected). The *gold-label CSV*
is the task's labelled format (``id,report,<value columns>``; for LI-RADS the 12
features, see docs/architecture.md) built from the reviewers' latest decisions, so
that ``radlite eval`` and ``radlite train`` read it directly. The export is
spreadsheet-safe unless ``raw`` (:mod:`radlite.core.csvsafe`): a cell such as a report
id or text that starts with ``=`` gets a leading ``'``, which radlite's readers remove.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from radlite.core import csvsafe
from radlite.core.errors import SchemaError
from radlite.core.types import Record
from radlite.pipeline.store import JobStore
from radlite.serve.errors import ApiError
from radlite.serve.review_store import Review, ReviewStore
from radlite.tasks import Task


def model_record(store: JobStore, report_id: str) -> Record | None:
    """The model's record of one report, or None while it is not finished."""
    row = store.conn.execute("SELECT record FROM records WHERE id=?", (report_id,)).fetchone()
    return None if row is None else Record.from_dict(json.loads(row[0]))


def review_state(columns: list[str], reviews: dict[str, Review]) -> str:
    """``unreviewed``, ``partial`` or ``reviewed``."""
    done = sum(1 for c in columns if c in reviews)
    return "unreviewed" if done == 0 else "reviewed" if done == len(columns) else "partial"


def normalise_value(task: Task, feature: str, value: Any) -> Any:
    """Check a reviewer's value for ``feature`` and return it in the task's type.

    Raises:
        ApiError: 422 for an unknown feature or an invalid value.
    """
    columns = task.columns()
    if feature not in columns:
        raise ApiError(422, "invalid_value", f"unknown value {feature!r} for task {task.name}")
    if isinstance(value, str) and value.strip() in ("", "-"):
        value = None
    try:
        return task.review_value(feature, value)
    except SchemaError as exc:
        raise ApiError(422, "invalid_value", str(exc)) from None


def report_summaries(task: Task, store: JobStore, review: ReviewStore) -> list[dict[str, Any]]:
    """One line per report of the job: model status and review state."""
    columns = task.columns()
    status = dict(store.conn.execute("SELECT id, status FROM records").fetchall())
    latest = review.latest()
    out = []
    for rid in review.report_ids():
        reviews = latest.get(rid, {})
        out.append({
            "id": rid, "status": status.get(rid, "pending"),
            "review_state": review_state(columns, reviews),
            "corrected": sum(1 for r in reviews.values() if r.action == "correct"),
        })
    return out


def report_view(task: Task, store: JobStore, review: ReviewStore, report_id: str
                ) -> dict[str, Any]:
    """The text, the model's values with evidence, and the current reviewed values.

    Raises:
        ApiError: 404 for an unknown report id.
    """
    text = review.text(report_id)
    if text is None:
        raise ApiError(404, "not_found", f"no report {report_id!r} in this job")
    record = model_record(store, report_id)
    reviews = review.latest(report_id).get(report_id, {})
    values = []
    for feature in task.columns():
        model_value = record.values.get(feature) if record and record.status == "ok" else None
        spans = record.evidence.get(feature, []) if record else []
        current = reviews.get(feature)
        values.append({
            "feature": feature, "model_value": model_value,
            "value": current.value if current else model_value,
            "review": current.to_dict() if current else None,
            "evidence": [{"start": s.start, "end": s.end, "text": s.text, "match": s.match}
                         for s in spans],
        })
    return {
        "id": report_id, "text": text,
        "status": record.status if record else "pending",
        "error": record.error if record else None,
        "review_state": review_state(task.columns(), reviews),
        "index_lesion": record.extra.get("index_lesion") if record else None,
        "values": values,
    }


def apply_review(task: Task, store: JobStore, review: ReviewStore, report_id: str,
                 reviewer: str, values: dict[str, Any]) -> float:
    """Store a reviewer's decisions (value per feature); the model's record is untouched.

    Raises:
        ApiError: 404 unknown report, 409 model not finished, 422 invalid value.
    """
    if review.text(report_id) is None:
        raise ApiError(404, "not_found", f"no report {report_id!r} in this job")
    record = model_record(store, report_id)
    if record is None:
        raise ApiError(409, "not_ready", f"report {report_id!r} has not been extracted yet")
    decisions = {}
    for feature, value in values.items():
        clean = normalise_value(task, feature, value)
        model_value = record.values.get(feature) if record.status == "ok" else None
        decisions[feature] = (clean, model_value)
    return review.add_reviews(report_id, reviewer, decisions)


def gold_rows(task: Task, store: JobStore, review: ReviewStore, scope: str = "reviewed"
              ) -> Iterator[list[Any]]:
    """Gold-label rows ``[id, report, *values]``.

    Args:
        scope: ``reviewed`` (default) keeps only fully reviewed reports; ``all`` also
            keeps the rest, filling values nobody reviewed with the model's (reports
            the model failed and nobody reviewed are left out).
    """
    columns = task.columns()
    latest = review.latest()
    for rid, text in review.texts():
        reviews = latest.get(rid, {})
        state = review_state(columns, reviews)
        if scope == "reviewed" and state != "reviewed":
            continue
        record = model_record(store, rid) if state != "reviewed" else None
        if state == "unreviewed" and (record is None or record.status != "ok"):
            continue
        row = []
        for feature in columns:
            if feature in reviews:
                row.append(reviews[feature].value)
            else:
                row.append(record.values.get(feature) if record and record.status == "ok"
                           else None)
        yield [rid, text, *row]


def gold_csv(task: Task, store: JobStore, review: ReviewStore, scope: str = "reviewed",
             raw: bool = False) -> str:
    """The gold-label CSV as text (UTF-8, header row, empty cells for missing values).

    Spreadsheet-safe unless ``raw`` (``?raw=true``): see :mod:`radlite.core.csvsafe`.
    """
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer, raw=raw, lineterminator="\n")
    writer.writerow(["id", "report", *task.columns()])
    for row in gold_rows(task, store, review, scope):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()
