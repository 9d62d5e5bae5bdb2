"""``radlite extract abdct``: abdominal CT organ labels.

Runs under the job runner like every extraction (job store, resume, ``--executor``,
``radlite jobs``); the task answers a whole batch of reports per call (see
:mod:`radlite.pipeline.task_batches`). ``--mode rules`` loads no model.
"""

from __future__ import annotations

from typing import Any

import click

from radlite.cli.extract import command, extraction_options, run_extract


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
    run_extract("abdct", params, {"mode": mode, "organs": list(organs) or None})
