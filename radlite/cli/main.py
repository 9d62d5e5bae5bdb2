"""The ``radlite`` console command: collects the command groups of ``radlite.cli``."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from radlite import __version__
from radlite.core.errors import ConfigError, RadliteError
from radlite.core.extras import MissingExtraError, incomplete_install_error, missing_extra_error

# Each module defines a click command or group named ``command``.
COMMAND_MODULES = ("extract", "synth", "eval", "train", "impress", "summarize", "jobs", "serve",
                   "doctor", "export", "adapters", "learn")


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
            if (exc.name or "radlite").startswith("radlite"):
                raise  # radlite's own module: a bug, not an install problem
            cli.add_command(_unavailable(name, _install_error(exc, name)))
            continue
        cli.add_command(module.command)


def _install_error(exc: ModuleNotFoundError, command: str) -> ConfigError:
    """One line for a module that is not installed: the extra to add, or reinstall."""
    error = missing_extra_error(exc, f"radlite {command}".strip(), prefer=command)
    return error if isinstance(error, MissingExtraError) else incomplete_install_error(exc)


def _unavailable(name: str, error: ConfigError) -> click.Command:
    """A stand-in for a command whose optional dependencies are missing: it says which."""

    def explain(**_: object) -> None:
        raise error

    return click.Command(name, callback=explain, help=f"(unavailable: {error})",
                         context_settings={"ignore_unknown_options": True},
                         params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)])


_register_commands()


def _command_name(args: list[str]) -> str:
    """The subcommand in ``args`` (the first word that is not an option), or ''."""
    return next((a for a in args if not a.startswith("-")), "")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; radlite's own errors become one clear line and exit code 2.

    A missing optional dependency is one of them (the line names the extra), and so is a
    missing core dependency (the line says to reinstall).
    """
    try:
        try:
            cli.main(args=argv, prog_name="radlite", standalone_mode=False)
        except ModuleNotFoundError as exc:
            command = _command_name(sys.argv[1:] if argv is None else argv)
            raise _install_error(exc, command) from exc
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
