"""``radlite summarize INPUT -o OUTPUT``: longitudinal summaries of patients' series.

Input: JSONL, one patient per line (``patient_id``, ``reports`` with ``date`` and
``impression`` or ``findings``). Output: JSONL ``patient_id, per_report, summary, status``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from radlite.core.errors import InputError
from radlite.core.io import write_jsonl
from radlite.summarize import summarize_series


@click.command(name="summarize")
@click.argument("input_path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
def command(input_path: Path, output: Path) -> None:
    """Summarise each patient's series: per-report change and the disease course."""
    rows = []
    for number, line in enumerate(input_path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{input_path}:{number}: not valid JSON ({exc.msg})") from exc
    write_jsonl(output, (summarize_series(series) for series in rows))
    click.echo(f"radlite summarize: {len(rows)} patients -> {output}", err=True)
