"""``radlite jobs``: list jobs, show progress and failures, retry failures, export results."""

from __future__ import annotations

from pathlib import Path

import click

from radlite.cli.options import raw_csv_option
from radlite.pipeline.jobs import export_job, format_age, job_status, retry_failed
from radlite.pipeline.registry import find_job_stores, known_jobs
from radlite.pipeline.runner import RunOptions


@click.group(name="jobs")
def command() -> None:
    """Job stores of extraction runs: progress, failures, retries, export."""


@command.command(name="list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def list_jobs(paths: tuple[Path, ...]) -> None:
    """List jobs: those in PATHS (files or folders), else every job radlite started."""
    stores = find_job_stores(list(paths)) if paths else known_jobs()
    if not stores:
        click.echo("no jobs found" + ("" if paths else " (none registered; pass a folder)"))
        return
    click.echo(f"{'state':9} {'task':8} {'done':>15} {'failed':>7} {'updated':>9}  job store")
    for path in stores:
        status = job_status(path)
        total = "?" if status.total is None else str(status.total)
        click.echo(f"{status.state():9} {status.task:8} {f'{status.finished}/{total}':>15} "
                   f"{status.failed:>7} {format_age(status.updated):>9}  {path}")


@command.command(name="show")
@click.argument("store", type=click.Path(path_type=Path))
@click.option("--failures", "limit", type=int, default=10, show_default=True,
              help="Failed report ids to list.")
def show(store: Path, limit: int) -> None:
    """Progress, rate, ETA and failure reasons of one job."""
    from radlite.pipeline.store import JobStore

    status = job_status(store)
    total = "?" if status.total is None else status.total
    click.echo(f"job store: {store}\ntask: {status.task}\noutput: {status.output}")
    click.echo(f"state: {status.state()}; {status.finished}/{total} finished "
               f"({status.ok} ok, {status.failed} failed); last update "
               f"{format_age(status.updated)}")
    if status.rate:
        eta = status.eta_seconds
        click.echo(f"rate: {status.rate:.2f} reports/s"
                   + (f"; ETA {eta / 60:.1f} min at that rate" if eta else ""))
    for reason, count in sorted(status.reasons.items(), key=lambda kv: -kv[1]):
        click.echo(f"  failed {count}: {reason}")
    if limit and status.failed:
        with JobStore(store) as opened:
            for report_id, error in opened.failures(limit):
                click.echo(f"  {report_id}: {error}")


@command.command(name="retry")
@click.argument("store", type=click.Path(path_type=Path))
@click.option("--batch-size", type=int, default=None)
@click.option("--threads", type=int, default=None, help="CPU threads for local backends.")
@click.option("--no-progress", is_flag=True)
def retry(store: Path, batch_size: int | None, threads: int | None, no_progress: bool) -> None:
    """Rerun only the failed reports of a job, then rewrite its output."""
    options = RunOptions(batch_size=batch_size, progress=not no_progress)
    overrides = {"threads": threads} if threads else None
    summary = retry_failed(store, options, overrides)
    click.echo(f"radlite jobs retry: {summary.line()}", err=True)


@command.command(name="export")
@click.argument("store", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="wide", show_default=True,
              type=click.Choice(["wide", "long", "jsonl", "fhir"]))
@click.option("--status", type=click.Choice(["ok", "failed"]), default=None,
              help="Only records with this status.")
@raw_csv_option()
def export(store: Path, output: Path, fmt: str, status: str | None, raw_csv: bool) -> None:
    """Write a job's records (finished so far) to OUTPUT."""
    count = export_job(store, output, fmt, status, raw_csv=raw_csv)
    click.echo(f"radlite jobs export: {count} records -> {output}", err=True)
