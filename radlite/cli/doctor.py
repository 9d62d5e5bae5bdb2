"""``radlite doctor``: check this install, and say what is missing and what it stops."""

from __future__ import annotations

import json
import os
import sys

import click


@click.command("doctor")
@click.option("--quick", is_flag=True,
              help="Only look: load no model and run no command (a few seconds).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(quick: bool, as_json: bool) -> None:
    """Versions, embedded models (load time), extras, CPU/CUDA, and each default command.

    Exit status 1 when a command's default path cannot run on this machine.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # GGUF conversion bars would bury the report
    from radlite.doctor import diagnose

    _quiet_progress_bars()
    result = diagnose(load=not quick, smoke=not quick)
    click.echo(json.dumps(result.as_dict(), indent=1) if as_json else result.text())
    if not result.ok:
        sys.exit(1)


def _quiet_progress_bars() -> None:
    """Keep transformers' loading bars out of the report (they go to stderr otherwise)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # the report says transformers is missing
        return
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
