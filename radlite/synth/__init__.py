"""Synthetic radiology reports with gold labels that are correct by construction.

Each *generator* samples a structured case (the truth), renders it as report text,
and derives the gold labels from the case, never from the text. Public API:
:func:`generate` and :func:`write`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from radlite.core.errors import ConfigError
from radlite.synth.common import LANGS, pick_lang, record_rng
from radlite.synth.io import write

__all__ = ["TASKS", "LANGS", "generate", "write"]

TASKS = ("lirads", "abdct", "chest", "impression", "serial")
_MAX_RETRIES = 20


def _maker(task: str) -> Callable[..., dict[str, Any]]:
    if task not in TASKS:
        raise ConfigError(f"unknown synth task {task!r}; choose one of {', '.join(TASKS)}")
    module = __import__(f"radlite.synth.{task}", fromlist=["make_record"])
    return module.make_record


def _text_of(record: dict[str, Any]) -> str:
    for key in ("report", "findings", "summary"):
        if key in record:
            return str(record[key])
    return ""


def generate(task: str, n: int, seed: int = 0, lang: str = "en") -> list[dict[str, Any]]:
    """Generate ``n`` synthetic records with gold labels.

    Records are deterministic for a given ``(task, seed, lang)``, and record ``i`` does
    not depend on ``n``. A record whose text repeats an earlier one exactly is redrawn.

    Args:
        task: ``lirads``, ``abdct``, ``chest``, ``impression`` or ``serial``.
        n: number of records.
        seed: random seed.
        lang: ``en``, ``ko-en`` or ``mixed`` (per record; only ``lirads`` writes Korean,
            the other tasks are English and accept ``en`` only).

    Returns:
        A list of dicts with ``id``, the task's text and label fields, and ``case``
        (the structured truth).

    Raises:
        ConfigError: unknown task or language, or a negative ``n``.
    """
    make = _maker(task)
    if n < 0:
        raise ConfigError("n must be zero or positive")
    if task != "lirads" and lang != "en":
        raise ConfigError(f"task {task!r} is English only; use --lang en")
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for i in range(n):
        for attempt in range(_MAX_RETRIES):
            rng = record_rng(task, seed, i * 1000 + attempt)
            record = make(rng, pick_lang(lang, rng), f"{task}-{seed}-{i:05d}")
            if _text_of(record) not in seen:
                break
        seen.add(_text_of(record))
        out.append(record)
    return out
