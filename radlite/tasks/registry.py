"""The task registry: task names (and aliases) -> :class:`~radlite.tasks.spec.TaskSpec`.

Built-in tasks register from their packages' ``spec.py``; installed packages add tasks
through the ``radlite.tasks`` entry-point group (each entry point names a ``TaskSpec``);
code (e.g. a test) calls :func:`register`. See docs/architecture.md, "How to add a task".
"""

from __future__ import annotations

import importlib
import logging
import threading
from importlib.metadata import entry_points
from typing import Any

from radlite.core.errors import ConfigError
from radlite.tasks.base import Task
from radlite.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

#: Packages whose ``spec.SPEC`` is registered on first use.
BUILTIN = ("radlite.tasks.lirads", "radlite.tasks.abdct", "radlite.tasks.chest",
           "radlite.tasks.impression", "radlite.tasks.summarize")
ENTRY_POINT_GROUP = "radlite.tasks"

_specs: dict[str, TaskSpec] = {}
_lock = threading.RLock()
_loaded = False


def register(spec: TaskSpec, replace: bool = False) -> TaskSpec:
    """Add ``spec`` to the registry and return it.

    Raises:
        ConfigError: its name or an alias is taken (unless ``replace``).
    """
    with _lock:
        _load()
        taken = {name for s in _specs.values() if s.name != spec.name or not replace
                 for name in (s.name, *s.aliases)}
        clash = sorted(taken & {spec.name, *spec.aliases})
        if clash:
            raise ConfigError(f"task name(s) already registered: {', '.join(clash)}")
        _specs[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a registered task (tests and plugins that reload)."""
    with _lock:
        _specs.pop(name, None)


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        _loaded = True
        for package in BUILTIN:
            spec = importlib.import_module(f"{package}.spec").SPEC
            _specs[spec.name] = spec
        for point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                spec = point.load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not break radlite
                log.warning("task plugin %s could not be loaded: %s", point.name, exc)
                continue
            if isinstance(spec, TaskSpec) and spec.name not in _specs:
                _specs[spec.name] = spec
            else:
                log.warning("task plugin %s is not a new TaskSpec; ignored", point.name)


def specs(kind: str | None = None) -> list[TaskSpec]:
    """Registered tasks in registration order (only those of ``kind`` when given)."""
    with _lock:
        _load()
        return [s for s in _specs.values() if kind is None or s.kind == kind]


def names(kind: str | None = None, aliases: bool = False, evaluable: bool = False) -> list[str]:
    """Registered task names (and their aliases when ``aliases``; only tasks with an
    evaluation when ``evaluable``)."""
    return [n for s in specs(kind) if s.evaluations or not evaluable
            for n in (s.name, *(s.aliases if aliases else ()))]


def lookup(name: str) -> tuple[TaskSpec, dict[str, Any]]:
    """The spec of a task name or alias, with the options the alias implies.

    Raises:
        ConfigError: unknown name.
    """
    for spec in specs():
        if name == spec.name:
            return spec, {}
        if name in spec.aliases:
            return spec, dict(spec.aliases[name])
    raise ConfigError(f"unknown task '{name}'; choose one of {sorted(names())}")


def task_spec(name: str) -> TaskSpec:
    """The spec of a task name or alias (see :func:`lookup`)."""
    return lookup(name)[0]


def get_task(name: str, **options: Any) -> Task:
    """Create the task called ``name`` with keyword ``options`` (None values dropped).

    Raises:
        ConfigError: unknown task, or options the task does not take.
    """
    spec, implied = lookup(name)
    return spec.create(**{**implied, **options})
