"""``radlite summarize INPUT -o OUTPUT``: longitudinal summaries of patients' series.

Input: JSONL, one patient per line (``patient_id``, ``reports`` with ``date`` and
``impression`` or ``findings``). Output: JSONL ``patient_id, summary, per_report, status``
and the engine's other values (``exams``, ``lesions``, ...); a malformed patient:
``status`` ``failed`` with the reason in ``error``. Runs through the job runner like
``radlite extract``: a job store beside the output (``<output>.job.sqlite``) makes a
rerun skip the patients already finished. After the job, ``--html DIR`` writes a page per
patient (summary, size plot, lesion table) and ``--lesions PATH`` the lesion table as
CSV (or JSON for ``.json``), both from the output file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from radlite.cli.extract import backend_options, build_backend_spec
from radlite.cli.options import raw_csv_option
from radlite.core.io import iter_json_objects
from radlite.pipeline.runner import RunOptions
from radlite.pipeline.summarize_job import summarize_job


def _output_rows(path: Path) -> list[dict]:
    return [row for _, _, row in iter_json_objects(path)]


@click.command(name="summarize")
@click.argument("input_path", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.option("--job-store", type=click.Path(path_type=Path), default=None,
              help="SQLite job file (default: <output>.job.sqlite); rerun to resume.")
@click.option("--restart", is_flag=True, help="Discard the job store and start over.")
@click.option("--retry-failed", is_flag=True, help="Redo patients that failed before.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Also write one HTML page per patient (summary, size plot, "
                                 "lesion table) and index.html into this folder.")
@click.option("--lesions", "lesions_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the lesion table (one row per lesion per exam): "
                                 "CSV, or JSON when the name ends in .json.")
@click.option("--mode", default="table", show_default=True,
              type=click.Choice(["table", "model"]),
              help="table: written from the lesion table (no model); model: the model "
                   "rewrites each summary sentence, a grounding gate keeps the table's "
                   "sentence where the model's states a number, date, side or site the "
                   "table does not.")
@click.option("--statements", default="selected", show_default=True,
              type=click.Choice(["selected", "table"]),
              help="Per-report statements. selected: the phrases of each impression that "
                   "the learned statement selector keeps; table: the impression's lead item "
                   "and the lesion table's changes.")
@click.option("--statement-model", type=click.Path(exists=True, file_okay=False,
                                                   path_type=Path), default=None,
              help="Statement selector folder (radlite train statement-selector); "
                   "default: the shipped one.")
@raw_csv_option()
@backend_options
def command(input_path: Path, output: Path, job_store: Path | None, restart: bool,
            retry_failed: bool, no_progress: bool, html_dir: Path | None,
            lesions_path: Path | None, mode: str, statements: str,
            statement_model: Path | None, raw_csv: bool, **params: Any) -> None:
    """Summarise each patient's series: lesion table, per-report change, disease course."""
    options = RunOptions(retry_failed=retry_failed, progress=not no_progress)
    summary = summarize_job(input_path, output, job_store=job_store, restart=restart,
                            options=options, mode=mode, backend=build_backend_spec(params),
                            statements=statements, statement_model=statement_model)
    click.echo(f"radlite summarize: {summary.line()} -> {output}", err=True)
    for reason, count in sorted(summary.failure_reasons.items(), key=lambda kv: -kv[1]):
        click.echo(f"  failed {count}: {reason}", err=True)
    if html_dir is not None or lesions_path is not None:
        rows = _output_rows(output)
        if html_dir is not None:
            from radlite.tasks.summarize.html import write_html

            pages = write_html(rows, html_dir)
            click.echo(f"radlite summarize: {len(pages) - 1} patient pages -> {pages[-1]}",
                       err=True)
        if lesions_path is not None:
            from radlite.tasks.summarize.table_io import write_lesion_table

            count = write_lesion_table(rows, lesions_path, raw=raw_csv)
            click.echo(f"radlite summarize: {count} lesion rows -> {lesions_path}", err=True)
