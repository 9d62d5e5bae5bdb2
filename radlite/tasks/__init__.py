"""Tasks: prompt builders plus parsers, one folder per task; no I/O, no model loading.

Each task package registers one :class:`TaskSpec` (see :mod:`radlite.tasks.registry`).
"""

from radlite.tasks.base import Task
from radlite.tasks.registry import get_task, lookup, names, register, specs, task_spec
from radlite.tasks.spec import Evaluation, Synthesis, TaskOption, TaskSpec, Training

__all__ = ["Evaluation", "Synthesis", "Task", "TaskOption", "TaskSpec", "Training", "get_task",
           "lookup", "names", "register", "specs", "task_spec"]
