"""Click options shared by several commands (kept light: no heavy imports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

RAW_CSV_HELP = ("Write CSV cells as they are. By default a cell that a spreadsheet would run "
                "as a formula (starting with = + - @, tab or CR; numbers excepted) gets a "
                "leading ' (see docs/serve.md, Spreadsheet-safe CSV).")


def raw_csv_option() -> Callable[..., Any]:
    """The ``--raw-csv`` flag of every command that writes CSV."""
    return click.option("--raw-csv", is_flag=True, help=RAW_CSV_HELP)
