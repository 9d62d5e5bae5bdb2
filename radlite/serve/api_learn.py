"""Learn endpoints: "Train on these reviews" of a job, in the background."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from radlite.serve.auth import require_token
from radlite.serve.learning import LearnManager
from radlite.serve.models import LearnRequest

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], tags=["learn"])

START_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such job."},
    409: {"description": "The job is still extracting (`not_ready`), or a learn of the job "
                         "is running (`conflict`)."},
}


def _learns(request: Request) -> LearnManager:
    return request.app.state.learns


@router.post("/review/{job_id}/learn", status_code=202, responses=START_RESPONSES,
             summary="Train on this job's reviews")
def start_learn(request: Request, job_id: str, body: LearnRequest | None = None) -> Any:
    """Start a learn cycle on the job's reviewed reports (one per job at a time); poll
    ``GET /v1/learn/{learn_id}`` for its stage, progress and, at the end, its result."""
    options = body or LearnRequest()
    return _learns(request).start(job_id, reader=options.reader, holdout=options.holdout,
                                   folds=options.folds)


@router.get("/review/{job_id}/learn", responses={404: {"description": "No such job."}},
            summary="This job's learns")
def job_learns(request: Request, job_id: str) -> Any:
    """Every learn of the job, newest first (same fields as ``GET /v1/learn/{id}``)."""
    return {"job": job_id, "learns": _learns(request).for_job(job_id)}


@router.get("/learn/{learn_id}", responses={404: {"description": "No such learn."}},
            summary="One learn's state")
def get_learn(request: Request, learn_id: str) -> Any:
    """``state`` (queued, running, done, failed), ``stage``, ``fraction`` (0-1),
    ``result`` (before/after figures and the decision) or ``error``."""
    return _learns(request).get(learn_id)
