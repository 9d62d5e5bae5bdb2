"""``radlite adapters``: the registry of learnt artefacts per site, task and reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from radlite.learn.registry import SITE_SCOPE, AdapterEntry, AdapterRegistry, parse_id

registry_option = click.option(
    "--registry", "registry", default=None, type=click.Path(file_okay=False, path_type=Path),
    help="Registry folder (default: $RADLITE_REGISTRY, else ./radlite-registry).")
reader_help = f"Reader id ('{SITE_SCOPE}' for the site-wide adapter)."


def _reader(value: str | None) -> str | None:
    return None if value in (None, SITE_SCOPE) else value


def _metrics(metrics: dict[str, Any], limit: int = 3) -> str:
    """Up to ``limit`` numeric metrics as ``name=value``; ``+N`` when there are more."""
    numbers = [(k, v) for k, v in metrics.items()
               if isinstance(v, int | float) and not isinstance(v, bool)]
    shown = [f"{k}={v:.4g}" for k, v in numbers[:limit]]
    if len(numbers) > limit:
        shown.append(f"+{len(numbers) - limit}")
    return " ".join(shown) or "-"


def _row(entry: AdapterEntry) -> list[str]:
    created = entry.created[:16].replace("T", " ")
    return [entry.id, entry.kind, entry.status, created, entry.data_hash[:12],
            _metrics(entry.metrics), entry.parent]


@click.group(name="adapters")
def command() -> None:
    """Learnt adapters per site, task and reader: list, show, promote, roll back."""


@command.command(name="list")
@registry_option
@click.option("--task", default=None, help="Only this task.")
@click.option("--site", default=None, help="Only this site.")
@click.option("--reader", default=None, help=reader_help + " Default: any.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_entries(registry: Path | None, task: str | None, site: str | None,
                 reader: str | None, as_json: bool) -> None:
    """List stored versions: id, kind, status, date, data hash, metrics, parent."""
    store = AdapterRegistry(registry)
    entries = store.entries(task=task, site=site,
                            reader=... if reader is None else _reader(reader))
    if as_json:
        for entry in entries:
            click.echo(json.dumps(entry.to_dict(), ensure_ascii=False))
        return
    if not entries:
        click.echo(f"no adapters in {store.root}")
        return
    rows = [["id", "kind", "status", "created (UTC)", "data hash", "metrics", "parent"]]
    rows += [_row(entry) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        click.echo("  ".join([*cells, row[-1]]))


@command.command(name="show")
@registry_option
@click.argument("entry_id", metavar="ID")
def show(registry: Path | None, entry_id: str) -> None:
    """Print the card of ID (e.g. site-a/chest/_site@v2) as JSON."""
    site, task, reader, version = parse_id(entry_id)
    entry = AdapterRegistry(registry).get(task, site, reader, version)
    click.echo(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))


@command.command(name="promote")
@registry_option
@click.argument("entry_id", metavar="ID")
def promote(registry: Path | None, entry_id: str) -> None:
    """Make ID the current adapter of its site, task and reader."""
    site, task, reader, version = parse_id(entry_id)
    store = AdapterRegistry(registry)
    previous = store.current(task, site, reader)
    entry = store.promote(task, site, reader, version)
    was = "the shipped default" if previous is None else previous.id
    click.echo(f"promoted {entry.id} (was {was})")


@command.command(name="rollback")
@registry_option
@click.option("--task", required=True, help="Task of the adapter.")
@click.option("--site", required=True, help="Site of the adapter.")
@click.option("--reader", default=None, help=reader_help + " Default: the site-wide one.")
def rollback(registry: Path | None, task: str, site: str, reader: str | None) -> None:
    """Return a scope to its previously promoted version (or the shipped default)."""
    store = AdapterRegistry(registry)
    scope = f"{site}/{task}/{reader or SITE_SCOPE}"
    entry = store.rollback(task, site, _reader(reader))
    now = "the shipped default" if entry is None else entry.id
    click.echo(f"rolled back {scope}: now {now}")
