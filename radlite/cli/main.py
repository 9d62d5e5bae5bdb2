"""The ``radlite`` console command: collects the command groups of ``radlite.cli``."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from radlite import __version__
from radlite.core.errors import RadliteError

# Each module defines a click command or group named ``command``.
COMMAND_MODULES = ("extract", "synth", "eval", "train", "impress", "summarize", "jobs", "serve")


@click.group()
@click.version_option(__version__, prog_name="radlite")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """radlite: structured data and draft text from radiology reports, locally."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"radlite.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"radlite.cli.{name}":
                continue
            raise
        cli.add_command(module.command)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; radlite's own errors become one clear line and exit code 2."""
    try:
        cli.main(args=argv, prog_name="radlite", standalone_mode=False)
    except RadliteError as exc:
        click.echo(f"radlite: error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("radlite: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
