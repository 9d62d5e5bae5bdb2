"""Synchronous task endpoints: extract, impress, summarize."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from radlite.core.errors import ConfigError
from radlite.core.types import Record, Report
from radlite.fhir import to_fhir_bundle
from radlite.serve.auth import require_token
from radlite.serve.batcher import Busy
from radlite.serve.errors import ApiError
from radlite.serve.models import ExtractRequest, ImpressRequest, SummarizeRequest
from radlite.serve.runtime import Runtime
from radlite.tasks import registry
from radlite.tasks.summarize import summarize_series

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], tags=["tasks"])
FHIR_MEDIA = "application/fhir+json"
POLL_S = 0.25  # how often a waiting request checks its client and its deadline


def extract_tasks() -> list[str]:
    """Extraction tasks the API serves: every registered task of kind ``extract``."""
    return registry.names(kind="extract")


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def check_reports(request: Request, items: list[tuple[str, str]]) -> None:
    """Refuse too many reports, over-long texts and duplicate ids (never echoing text)."""
    settings = request.app.state.settings
    if len(items) > settings.max_reports_per_request:
        raise ApiError(413, "too_many_reports",
                       f"{len(items)} reports in one request; the limit is "
                       f"{settings.max_reports_per_request} (use POST /v1/jobs for more)")
    for rid, text in items:
        if len(text) > settings.max_report_chars:
            raise ApiError(413, "report_too_large",
                           f"report {rid!r} has {len(text)} characters; the limit is "
                           f"{settings.max_report_chars}")
    ids = [rid for rid, _ in items]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "duplicate_ids", "report ids must be unique within a request")


READER = Query(None, description="A reader (radiologist) id of the server's site: use their "
                                  "learnt model (radlite learn), else the site's, else the "
                                  "default", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _task(runtime: Runtime, name: str, reader: str | None = None) -> Any:
    try:
        return runtime.task(name, reader=reader)
    except ConfigError as exc:
        raise ApiError(501, "not_implemented", f"task {name!r} is not available: {exc}") from None


def _records_response(task: Any, records: list[Record], fmt: str,
                      patient: str | None) -> Any:
    if fmt == "fhir":
        return JSONResponse(to_fhir_bundle(task, records, patient_ref=patient),
                            media_type=FHIR_MEDIA)
    return {"task": task.name, "records": [r.to_dict() for r in records]}


BUSY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "The model queue is full (error code `busy`); a `Retry-After` "
                         "header says when to retry."},
    504: {"description": "No records within the server's request timeout (`timeout`)."},
}


async def _records(request: Request, task: Any, reports: list[Report]) -> list[Record]:
    """The task's records for ``reports``: through the task's micro-batcher when it calls
    a model (shared batches with other requests; 503 when the queue is full, 504 after
    the request timeout, no work once the client has gone), else directly."""
    runtime = _runtime(request)
    if not task.needs_model:
        return await run_in_threadpool(runtime.extract, task, reports)
    batcher = runtime.batcher(task)
    try:
        ticket = batcher.submit(reports)
    except Busy as exc:
        raise ApiError(503, "busy", str(exc), headers={"Retry-After": str(exc.retry_after)}
                       ) from None
    waiting = asyncio.wrap_future(ticket.future)
    deadline = time.monotonic() + request.app.state.settings.request_timeout_s
    while True:
        done, _ = await asyncio.wait({waiting}, timeout=POLL_S)
        if done:
            return waiting.result()
        if await request.is_disconnected():
            batcher.cancel(ticket)
            raise ApiError(499, "client_closed", "the client closed the connection")
        if time.monotonic() > deadline:
            batcher.cancel(ticket)
            raise ApiError(504, "timeout", "no records within the server's request timeout")


@router.post("/extract/{task}", summary="Extract structured values from reports",
             responses=BUSY_RESPONSES)
async def extract(request: Request, task: str, body: ExtractRequest,
                  format: Literal["json", "fhir"] = "json",  # noqa: A002 - public query name
                  patient: str | None = Query(None, description="FHIR subject, e.g. Patient/123"),
                  reader: str | None = READER) -> Any:
    """Run a registered extraction task (``lirads``, ``abdct``, ``chest``, ...) on up to
    ``max_reports_per_request`` reports; ``?format=fhir`` returns a FHIR R4 Bundle.
    Concurrent requests of a model task share model batches (docs/serve.md)."""
    if task not in extract_tasks():
        raise ApiError(404, "not_found", f"unknown extraction task {task!r}; "
                                         f"choose one of {extract_tasks()}")
    check_reports(request, [(r.id, r.text) for r in body.reports])
    task_obj = _task(_runtime(request), task, reader)
    records = await _records(request, task_obj, [Report(r.id, r.text) for r in body.reports])
    return _records_response(task_obj, records, format, patient)


@router.post("/impress", summary="Draft impressions from findings", responses=BUSY_RESPONSES)
async def impress(request: Request, body: ImpressRequest, reader: str | None = READER) -> Any:
    """Draft an impression per report with the ``impression`` task (501 when this
    install has no impression task); ``?reader=ID`` drafts in that reader's learnt
    habits (else the site's, else the default)."""
    check_reports(request, [(r.id, r.findings) for r in body.reports])
    task_obj = _task(_runtime(request), "impression", reader)
    reports = [Report(r.id, r.findings, {k: v for k, v in r.model_dump().items()
                                          if k not in ("id", "findings") and v})
               for r in body.reports]
    records = await _records(request, task_obj, reports)
    return {"task": task_obj.name, "records": [r.to_dict() for r in records]}


@router.post("/summarize", summary="Summarise a patient's report series")
def summarize(request: Request, body: SummarizeRequest) -> Any:
    """Summarise each patient's series with the ``summarize`` task's ``summarize_series``
    (deterministic; no model is loaded)."""
    limit = request.app.state.settings.max_report_chars
    for patient in body.patients:
        for report in patient.get("reports") or []:
            size = sum(len(str(v)) for v in report.values()) if isinstance(report, dict) else 0
            if size > limit:
                raise ApiError(413, "report_too_large",
                               f"a report of patient {patient.get('patient_id')!r} has more "
                               f"than {limit} characters")
    results = [summarize_series(patient) for patient in body.patients]
    return {"task": "summarize", "results": [_jsonable(r) for r in results]}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return value
