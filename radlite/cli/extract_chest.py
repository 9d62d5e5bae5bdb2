"""``radlite extract chest``: CheXpert or ChestX-ray14 labels for chest X-ray reports.

Runs under the job runner like every extraction; ``--mode rules`` loads no model.
"""

from __future__ import annotations

from typing import Any

import click

from radlite.cli.extract import command, extraction_options, run_extract


@command.command(name="chest")
@extraction_options
@click.option("--labels", "label_set", default="chexpert", show_default=True,
              type=click.Choice(["chexpert", "chestxray14"]),
              help="chexpert: 14 observations 1/0/-1/blank; chestxray14: Open-i names, 1/0.")
@click.option("--mode", default="rules", show_default=True, type=click.Choice(["rules", "verify"]),
              help="rules: NegEx-style baseline; verify: the model checks every mention.")
def chest(label_set: str, mode: str, **params: Any) -> None:
    """Chest X-ray observation labels with evidence sentences."""
    run_extract("chest", params, {"mode": mode, "labels": label_set})
