"""Tasks: prompt builders plus parsers, one folder per task; no I/O, no model loading."""

from radlite.tasks.base import Task
from radlite.tasks.registry import TASKS, get_task

__all__ = ["TASKS", "Task", "get_task"]
