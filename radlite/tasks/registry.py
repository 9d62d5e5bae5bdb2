"""Task names -> implementations, imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

from radlite.core.errors import ConfigError
from radlite.tasks.base import Task

TASKS: dict[str, str] = {
    "lirads": "radlite.tasks.lirads:LiradsTask",
    "abdct": "radlite.tasks.abdct:AbdctTask",
    "chest": "radlite.tasks.chest:ChestTask",
    "impression": "radlite.tasks.impression:ImpressionTask",
    "summarize": "radlite.tasks.summarize:SummarizeTask",
}


def get_task(name: str, **options: Any) -> Task:
    """Create the task called ``name`` with keyword ``options`` (None values dropped).

    Raises:
        ConfigError: unknown task, or options the task does not take.
    """
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}'; choose one of {sorted(TASKS)}")
    module_name, class_name = TASKS[name].split(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"task '{name}' is not available in this install: {exc}") from exc
    try:
        return cls(**{k: v for k, v in options.items() if v is not None})
    except TypeError as exc:
        raise ConfigError(f"task '{name}': {exc}") from exc
