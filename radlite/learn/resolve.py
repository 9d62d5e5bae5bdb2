"""Which learnt model a run uses: the reader's, else the site's, else the shipped default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radlite.core.errors import InputError
from radlite.learn.registry import AdapterEntry, AdapterRegistry


def site_task_options(task_name: str, options: dict[str, Any], site: str | None,
                      reader: str | None = None, registry: Path | None = None
                      ) -> tuple[dict[str, Any], AdapterEntry | None]:
    """``options`` with the resolved artefact's task options merged in, and the entry.

    Without ``site`` nothing changes. A scope with nothing promoted keeps ``options``
    (the shipped default). Options given explicitly (not None or empty) win over the
    learnt ones, so a job that stored its artefact keeps it after a later promotion.

    Options the learnt artefact does not apply to (e.g. chest in ``rules`` mode) are
    left as they are.

    Raises:
        InputError: ``reader`` without ``site``.
    """
    if site is None:
        if reader is not None:
            raise InputError("--reader needs --site (a reader belongs to a site)")
        return options, None
    entry = AdapterRegistry(registry).resolve(task_name, site, reader)
    if entry is None:
        return options, None
    from radlite.learn.learners import learner_for

    try:
        learner = learner_for(task_name, options)
    except InputError:  # e.g. chest in rules mode: the site's learnt head does not apply
        return options, None
    learnt = {k: v for k, v in learner.task_options(entry.path).items()
              if options.get(k) in (None, "", [], ())}
    return {**options, **learnt}, entry


def site_adapter(task_name: str, site: str | None, reader: str | None = None,
                 registry: Path | None = None) -> str | None:
    """The model adapter the registry resolves for the scope (the learner's
    :meth:`backend_options`, e.g. a promoted ``lora`` entry), or None: the artefacts of
    model-free learners (chest heads, conventions, profiles) are task options instead."""
    if site is None:
        return None
    entry = AdapterRegistry(registry).resolve(task_name, site, reader)
    if entry is None:
        return None
    from radlite.learn.learners import learner_for

    try:
        learner = learner_for(task_name)
    except InputError:
        return None
    adapter = learner.backend_options(entry.path).get("adapter")
    return str(adapter) if adapter else None
