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
@click.option("--mode", default=None, type=click.Choice(["rules", "learned", "verify"]),
              help="rules: NegEx-style baseline; learned: rules find mentions, a trained "
                   "head decides (chestxray14 only); verify: the generative model checks "
                   "every mention. Default: learned for chestxray14, rules for chexpert.")
@click.option("--head", default=None, type=click.Path(exists=True, file_okay=False),
              help="Head folder for --mode learned (default: the shipped Open-i head; "
                   "train your own with `radlite train chest-head`).")
def chest(label_set: str, mode: str | None, head: str | None, **params: Any) -> None:
    """Chest X-ray observation labels with evidence sentences."""
    run_extract("chest", params, {"mode": mode, "labels": label_set, "head": head})
