"""``radlite extract abdct``: abdominal CT organ labels (and the batch driver it shares
with ``extract chest``).

These tasks ask several short model questions per report, so they run through the
task's ``run_batch`` rather than the one-request runner: reports are read, processed in
batches and written with the usual writers (no job store / resume yet; see
docs/abdct.md for the runner hook that would add it).
"""

from __future__ import annotations

import time
from itertools import islice
from typing import Any

import click

from radlite.cli.extract import build_backend_spec, command, extraction_options
from radlite.core.io import check_unique_ids, check_writable
from radlite.pipeline.extract import InputSpec, resolve_backend
from radlite.pipeline.writers import get_writer
from radlite.tasks import get_task


def run_batched(task_name: str, params: dict[str, Any], task_options: dict[str, Any]) -> None:
    """Read, label in batches with ``task.run_batch``, write; print a summary line."""
    spec = build_backend_spec(params)
    if params.get("max_chars"):
        task_options = {**task_options, "max_chars": params["max_chars"]}
    task = get_task(task_name, **task_options)
    source = InputSpec(params["input_path"], params["id_col"], params["text_col"],
                       params["encoding"])
    output = params["output"]
    writer = get_writer(params["fmt"])
    check_writable(output)
    check_unique_ids(source.reports())
    backend = resolve_backend(task.name, spec) if task.needs_model else None
    started = time.perf_counter()
    records = []
    reports = iter(source.reports())
    size = params.get("batch_size") or 32
    while batch := list(islice(reports, size)):
        records.extend(task.run_batch(backend, batch))
    seconds = time.perf_counter() - started
    writer(task, records, output)
    failed = sum(r.status != "ok" for r in records)
    rate = len(records) / seconds if seconds else 0.0
    click.echo(f"radlite extract {task_name}: {len(records) - failed} done, {failed} failed; "
               f"{rate:.2f} reports/s -> {output}", err=True)


@command.command(name="abdct")
@extraction_options
@click.option("--mode", default="rules", show_default=True,
              type=click.Choice(["rules", "fast", "staged"]),
              help="rules: deterministic baseline; fast: model checks certainty; "
                   "staged: model filters sentences, types, certainty and urgency.")
@click.option("--organ", "organs", multiple=True,
              help="Organ to label (repeat; default: the nine of the schema).")
def abdct(mode: str, organs: tuple[str, ...], **params: Any) -> None:
    """Abdominal CT organ x finding-type labels, urgency, with evidence sentences."""
    run_batched("abdct", params, {"mode": mode, "organs": list(organs) or None})
