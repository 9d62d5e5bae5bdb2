"""Impression drafting: findings -> impression, with a model-free consistency gate."""

from radlite.tasks.impression.task import ImpressionTask

__all__ = ["ImpressionTask"]
