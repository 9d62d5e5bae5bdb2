"""A server job's reviews as learn-cycle data (:mod:`radlite.learn.cycle`).

The job folder's ``job.json`` names the task and its options; its fully reviewed
reports (:func:`radlite.serve.review.gold_rows`) are the training data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from radlite.core.errors import InputError
from radlite.learn.cycle import LearnResult, Progress, learn
from radlite.learn.data import LearnSet, from_rows
from radlite.learn.registry import AdapterRegistry
from radlite.pipeline.store import JobStore
from radlite.serve.review import gold_rows
from radlite.serve.review_store import ReviewStore
from radlite.tasks.registry import get_task


def job_learn_set(job_folder: Path, reviewer: str | None = None
                  ) -> tuple[str, dict[str, Any], LearnSet]:
    """The task name, task options and fully reviewed reports of a server job folder
    (with ``reviewer``: only the reports whose every latest decision is theirs).

    Raises:
        InputError: not a job folder.
    """
    info_path = Path(job_folder) / "job.json"
    if not info_path.is_file():
        raise InputError(f"{job_folder}: not a radlite job folder (no job.json)")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    options = dict(info.get("options") or {})
    task = get_task(info["task"], **options)
    store_path = Path(info.get("store") or Path(job_folder) / "job.sqlite")
    with JobStore(store_path) as store, ReviewStore(Path(job_folder) / "review.sqlite") as review:
        rows = list(gold_rows(task, store, review, "reviewed"))
        if reviewer is not None:
            latest = review.latest()
            rows = [r for r in rows
                    if {d.reviewer for d in latest.get(r[0], {}).values()} == {reviewer}]
    return info["task"], options, from_rows(rows, task.columns())


def learn_from_job(job_folder: Path, *, registry: Path, site: str, reader: str | None = None,
                   holdout: float = 0.3, promote: str = "auto", folds: int | None = None,
                   train: dict[str, Any] | None = None,
                   progress: Progress | None = None) -> LearnResult:
    """:func:`learn` on a server job's fully reviewed reports (a reader's model learns
    from that reader's reviews only)."""
    task_name, options, data = job_learn_set(job_folder, reader)
    return learn(task_name, data, registry=AdapterRegistry(registry), site=site, reader=reader,
                 options=options, holdout=holdout, promote=promote, folds=folds,
                 train=train, progress=progress)
