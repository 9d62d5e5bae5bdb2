"""Longitudinal series summaries as a model-free batched task (one item per patient)."""

from radlite.tasks.summarize.summary import summarize_series
from radlite.tasks.summarize.task import SummarizeTask

__all__ = ["SummarizeTask", "summarize_series"]
