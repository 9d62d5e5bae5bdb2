"""Batch runner: read -> prompt -> generate -> parse -> validate -> store -> write."""

from radlite.pipeline.runner import RunOptions, RunSummary, run_job
from radlite.pipeline.store import JobStore

__all__ = ["JobStore", "RunOptions", "RunSummary", "run_job"]
