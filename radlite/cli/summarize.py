"""``radlite summarize INPUT -o OUTPUT``: longitudinal summaries of patients' series.

Input: JSONL, one patient per line (``patient_id``, ``reports`` with ``date`` and
``impression`` or ``findings``). Output: JSONL ``patient_id, per_report, summary, status``
(a malformed patient: ``status`` ``failed`` with the reason in ``error``). Runs through
the job runner like ``radlite extract``: a job store beside the output
(``<output>.job.sqlite``) makes a rerun skip the patients already finished.
"""

from __future__ import annotations

from pathlib import Path

import click

from radlite.pipeline.runner import RunOptions
from radlite.pipeline.summarize_job import summarize_job


@click.command(name="summarize")
@click.argument("input_path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.option("--job-store", type=click.Path(path_type=Path), default=None,
              help="SQLite job file (default: <output>.job.sqlite); rerun to resume.")
@click.option("--restart", is_flag=True, help="Discard the job store and start over.")
@click.option("--retry-failed", is_flag=True, help="Redo patients that failed before.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def command(input_path: Path, output: Path, job_store: Path | None, restart: bool,
            retry_failed: bool, no_progress: bool) -> None:
    """Summarise each patient's series: per-report change and the disease course."""
    options = RunOptions(retry_failed=retry_failed, progress=not no_progress)
    summary = summarize_job(input_path, output, job_store=job_store, restart=restart,
                            options=options)
    click.echo(f"radlite summarize: {summary.line()} -> {output}", err=True)
    for reason, count in sorted(summary.failure_reasons.items(), key=lambda kv: -kv[1]):
        click.echo(f"  failed {count}: {reason}", err=True)
