"""Robustness evaluation: perturbed copies of inputs and the metric change they cause.

Workflow: ``perturb_file`` writes a perturbed copy of an input CSV (same ids,
same columns, text columns edited by ``radlite.evaluate.perturb``); the user
runs extraction on both files; ``robustness`` scores both prediction files
against the same gold file and reports ``perturbed - original`` for every
metric with paired cluster-bootstrap CIs (same resampled reports for both).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from radlite.core import csvsafe
from radlite.core.errors import InputError
from radlite.evaluate.io import read_rows
from radlite.evaluate.perturb import perturb
from radlite.evaluate.runner import evaluate_task

TEXT_COLUMNS = ("report", "findings", "text", "impression", "indication", "background")


def perturb_file(
    input_path: str | Path, output_path: str | Path, typo_rate: float = 0.0,
    expand: bool = False, shuffle: bool = False, seed: int = 0,
    columns: list[str] | None = None, raw: bool = False,
) -> dict[str, Any]:
    """Write a perturbed copy of a CSV input file.

    The copy is spreadsheet-safe unless ``raw`` (:mod:`radlite.core.csvsafe`); radlite's
    readers remove the guard, so extraction on the copy sees the same ids and texts.

    Args:
        input_path: CSV with an id column and text columns.
        output_path: where to write the copy.
        typo_rate: per-letter typo probability (e.g. 0.03).
        expand: expand abbreviations.
        shuffle: shuffle report sections.
        seed: seed of the ``random.Random`` (one per file, rows in order).
        columns: text columns to edit (default: those of ``TEXT_COLUMNS`` present).
        raw: write cells as they are.

    Returns:
        Summary: rows, edited columns and settings.
    """
    rows = read_rows(input_path)
    if not rows:
        raise InputError(f"{input_path}: no rows")
    edit = columns or [c for c in TEXT_COLUMNS if c in rows[0]]
    if not edit:
        raise InputError(f"{input_path}: no text column to perturb (tried {TEXT_COLUMNS})")
    rng = random.Random(seed)
    for row in rows:
        for col in edit:
            row[col] = perturb(str(row.get(col) or ""), rng, typo_rate, expand, shuffle)
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csvsafe.dict_writer(fh, list(rows[0]), raw=raw)
        writer.writeheader()
        writer.writerows(rows)
    return {"rows": len(rows), "columns": edit, "typo_rate": typo_rate, "expand": expand,
            "shuffle": shuffle, "seed": seed}


def robustness(task: str, gold_path: str | Path, original: str | Path, perturbed: str | Path,
               out_dir: str | Path | None = None, **kwargs: Any) -> dict[str, Any]:
    """Score original and perturbed predictions; comparisons are perturbed - original."""
    result = evaluate_task(task, gold_path, {"original": original, "perturbed": perturbed},
                           out_dir, baseline="original", **kwargs)
    result["robustness"] = [
        {k: c[k] for k in ("metric", "feature", "a", "b", "difference", "low", "high",
                           "p_value", "p_adjusted")}
        for c in result["comparisons"] if not c["feature"]
    ]
    return result
