"""Synthetic radiology reports with gold labels that are correct by construction.

Each *generator* samples a structured case (the truth), renders it as report text,
and derives the gold labels from the case, never from the text. Public API:
:func:`generate` and :func:`write`.
"""

from __future__ import annotations

from typing import Any

from radlite.core.errors import ConfigError
from radlite.synth.common import LANGS, pick_lang, record_rng
from radlite.synth.io import synthesis, write
from radlite.tasks import registry
from radlite.tasks.spec import resolve

__all__ = ["LANGS", "generate", "synth_names", "write"]
_MAX_RETRIES = 20


def synth_names() -> list[str]:
    """Task names (and aliases) with a synthetic generator, from the task registry."""
    return [n for spec in registry.specs() if spec.synthesis is not None
            for n in (spec.name, *spec.aliases)]


def generate(task: str, n: int, seed: int = 0, lang: str = "en") -> list[dict[str, Any]]:
    """Generate ``n`` synthetic records with gold labels.

    Records are deterministic for a given ``(task, seed, lang)``, and record ``i`` does
    not depend on ``n``. A record whose text repeats an earlier one exactly is redrawn.

    Args:
        task: a registered task with a generator (:func:`synth_names`): ``lirads``,
            ``abdct``, ``chest``, ``impression``, ``summarize`` (alias ``serial``).
        n: number of records.
        seed: random seed.
        lang: ``en``, ``ko-en`` or ``mixed`` (per record), as far as the task's generator
            writes it (``Synthesis.langs``; only ``lirads`` writes Korean).

    Returns:
        A list of dicts with ``id``, the task's text and label fields, and ``case``
        (the structured truth).

    Raises:
        ConfigError: unknown task or language, or a negative ``n``.
    """
    spec, how = synthesis(task)
    make = resolve(how.make_record)
    if n < 0:
        raise ConfigError("n must be zero or positive")
    if lang not in how.langs:
        raise ConfigError(f"task {task!r} writes {', '.join(how.langs)} only; not {lang!r}")
    key = how.key or spec.name
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for i in range(n):
        for attempt in range(_MAX_RETRIES):
            rng = record_rng(key, seed, i * 1000 + attempt)
            record = make(rng, pick_lang(lang, rng), f"{key}-{seed}-{i:05d}")
            if str(record.get(how.text_field, "")) not in seen:
                break
        seen.add(str(record.get(how.text_field, "")))
        out.append(record)
    return out
