"""Job endpoints (background extraction from an uploaded file) and review endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse

from radlite.fhir import to_fhir_bundle
from radlite.pipeline.store import JobStore
from radlite.serve import preferences
from radlite.serve import review as review_ops
from radlite.serve.api_tasks import FHIR_MEDIA, extract_tasks
from radlite.serve.auth import require_token
from radlite.serve.errors import ApiError
from radlite.serve.jobs import JobManager
from radlite.serve.models import ReviewUpdate
from radlite.serve.review_store import ReviewStore
from radlite.tasks import Task, registry

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])


def _jobs(request: Request) -> JobManager:
    return request.app.state.jobs


def job_tasks() -> list[str]:
    """Tasks a job can run: every extraction task, and the drafting tasks (``impression``,
    in its default, model-free draft mode)."""
    return extract_tasks() + registry.names(kind=preferences.DRAFTING_KIND)


@contextmanager
def open_job(request: Request, job_id: str) -> Iterator[tuple[Task, JobStore, ReviewStore]]:
    """The task, job store and review store of a job (opened for this request)."""
    jobs = _jobs(request)
    paths = jobs.paths(job_id)
    info = jobs.describe(job_id)
    task = request.app.state.runtime.task(info["task"], **(info.get("options") or {}))
    with JobStore(paths.store) as store, ReviewStore(paths.review) as review:
        yield task, store, review


@router.post("/jobs", status_code=202, tags=["jobs"], summary="Start an extraction job")
async def create_job(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV (id, report columns) or JSONL")],
    task: Annotated[str, Form(description="An extraction task, or `impression` (upload "
                                           "the findings, e.g. with text_col=findings)")
                    ] = "lirads",
    id_col: Annotated[str, Form()] = "id",
    text_col: Annotated[str, Form()] = "report",
    options: Annotated[str, Form(description='Task options as a JSON object, e.g. '
                                             '{"labels": "chestxray14"}')] = "{}",
) -> Any:
    """Upload reports and extract in the background; poll ``GET /v1/jobs/{id}``."""
    if task not in job_tasks():
        raise ApiError(422, "invalid_request", f"task must be one of {job_tasks()}")
    chosen = task_options(task, options)
    data = await file.read()
    return _jobs(request).create(task, data, id_col=id_col, text_col=text_col, options=chosen)


def task_options(task: str, raw: str) -> dict[str, Any]:
    """The job's task options from the form's JSON; only options the task declares.

    Raises:
        ApiError: 422 for invalid JSON, a non-object, or an option the task does not take.
    """
    try:
        options = json.loads(raw or "{}")
    except json.JSONDecodeError:
        raise ApiError(422, "invalid_request", "options must be a JSON object") from None
    if not isinstance(options, dict):
        raise ApiError(422, "invalid_request", "options must be a JSON object")
    declared = {o.name for o in registry.task_spec(task).options}
    unknown = sorted(set(options) - declared)
    if unknown:
        raise ApiError(422, "invalid_request", f"task {task!r} has no option(s) {unknown}; "
                                               f"it takes {sorted(declared)}")
    return options


@router.get("/jobs", tags=["jobs"], summary="List jobs")
def list_jobs(request: Request) -> Any:
    """Every job with its state and counts, newest first."""
    return {"jobs": _jobs(request).list()}


@router.get("/jobs/{job_id}", tags=["jobs"], summary="One job's state")
def get_job(request: Request, job_id: str) -> Any:
    """State (queued, running, done, failed), totals and counts of one job."""
    return _jobs(request).describe(job_id)


@router.get("/jobs/{job_id}/results", tags=["jobs"], summary="A job's records")
def job_results(request: Request, job_id: str,
                format: Literal["json", "fhir"] = "json",  # noqa: A002 - public query name
                ) -> Any:
    """The model's records so far (JSON, or a FHIR R4 Bundle with ``?format=fhir``)."""
    with open_job(request, job_id) as (task, store, _):
        records = list(store.records())
    if format == "fhir":
        return JSONResponse(to_fhir_bundle(task, records), media_type=FHIR_MEDIA)
    return {"task": task.name, "records": [r.to_dict() for r in records]}


@router.get("/review/{job_id}/reports", tags=["review"], summary="Reports to review")
def review_reports(request: Request, job_id: str) -> Any:
    """Every report of the job with its model status and review state."""
    with open_job(request, job_id) as (task, store, review):
        reports = review_ops.report_summaries(task, store, review)
        drafting = preferences.is_drafting(task)
        if drafting:
            preferences.adjust_summaries(reports, review)
        return {"job": job_id, "task": task.name, "columns": task.columns(),
                "drafting": drafting, "reports": reports}


@router.get("/review/{job_id}/export.csv", tags=["review"], summary="Gold-label CSV")
def review_export(request: Request, job_id: str,
                  scope: Literal["reviewed", "all"] = "reviewed",
                  raw: bool = False) -> PlainTextResponse:
    """The reviewed values as the task's gold-label CSV (``id,report,<columns>``); cells
    that a spreadsheet would run as formulas are neutralised unless ``raw=true``."""
    with open_job(request, job_id) as (task, store, review):
        text = review_ops.gold_csv(task, store, review, scope, raw=raw)
    headers = {"Content-Disposition": f'attachment; filename="{job_id}-gold.csv"'}
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/review/{job_id}/reports/{report_id:path}", tags=["review"],
            summary="One report: text, values, evidence")
def review_report(request: Request, job_id: str, report_id: str) -> Any:
    """The report text, the model's values with evidence spans, and reviewed values."""
    with open_job(request, job_id) as (task, store, review):
        view = review_ops.report_view(task, store, review, report_id)
        view["history"] = review.history(report_id)
        if preferences.is_drafting(task):
            preferences.add_to_view(view, store, review)
        return view


@router.put("/review/{job_id}/reports/{report_id:path}/values", tags=["review"],
            summary="Accept or correct values")
def review_update(request: Request, job_id: str, report_id: str, body: ReviewUpdate) -> Any:
    """Store the reviewer's values (the model's own value means accepted); the model's
    record is never changed."""
    with open_job(request, job_id) as (task, store, review):
        review_ops.apply_review(task, store, review, report_id, body.reviewer, body.values)
        return review_ops.report_view(task, store, review, report_id)
