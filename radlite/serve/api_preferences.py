"""Impression edits of a drafting job's reports, and their export as preference pairs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from radlite.serve import preferences
from radlite.serve import review as review_ops
from radlite.serve.api_jobs import open_job
from radlite.serve.auth import require_token
from radlite.serve.models import ImpressionEdit

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], tags=["review"])
JSONL_MEDIA = "application/x-ndjson"


@router.put("/review/{job_id}/reports/{report_id:path}/impression",
            responses={404: {"description": "No such job or report."},
                       409: {"description": "The report has no draft (yet)."}},
            summary="Edit or accept the drafted impression")
def edit_impression(request: Request, job_id: str, report_id: str, body: ImpressionEdit
                    ) -> Any:
    """Store the reviewer's impression as a preference pair (chosen: this text, rejected:
    the model's draft; the draft unchanged is an accept); the model's record is never
    changed. Returns the report view."""
    with open_job(request, job_id) as (task, store, review):
        preferences.save_edit(task, store, review, report_id, body.reviewer, body.text)
        view = review_ops.report_view(task, store, review, report_id)
        view["history"] = review.history(report_id)
        return preferences.add_to_view(view, store, review)


@router.get("/review/{job_id}/preferences.jsonl", summary="Preference pairs (JSONL)",
            response_class=PlainTextResponse,
            responses={200: {"content": {JSONL_MEDIA: {}}},
                       404: {"description": "No such job."}})
def export_preferences(request: Request, job_id: str) -> PlainTextResponse:
    """One JSON line per (report, reviewer), the latest edit: ``id``, ``prompt`` (the
    report text the draft was made from), ``chosen``, ``rejected``, ``reviewer``, ``at``
    (Unix time) and ``accepted`` (the draft was kept)."""
    with open_job(request, job_id) as (_, _store, review):
        text = preferences.preferences_jsonl(review)
    headers = {"Content-Disposition": f'attachment; filename="{job_id}-preferences.jsonl"'}
    return PlainTextResponse(text, media_type=f"{JSONL_MEDIA}; charset=utf-8",
                             headers=headers)
